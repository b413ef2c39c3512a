import type { RunInstruction } from '../types.js';
import { commandLine } from './command.js';
import { MountError, parseMount } from './mount.js';
import type { InstructionRequest } from './request.js';

const NETWORKS = new Set(['default', 'none', 'host']);
const SECURITY = new Set(['sandbox', 'insecure']);

/** Parses every `--mount` spec; `strict` as in `parseMount`. Throws MountError. */
export function parseMounts(specs: string[], strict: boolean, expand?: (value: string) => string): RunInstruction['mounts'] {
  let ssh = 0;
  return specs.map((s) => {
    const m = parseMount(s, ssh, strict, expand);
    if (m.type === 'ssh') ssh++;
    return m;
  });
}

/** `RUN [--mount=…]… [--network=…] [--security=…] command` */
export function parseRun(req: InstructionRequest): RunInstruction {
  const flags = req.flags.parse({ mount: 'strings', network: 'string', security: 'string' });
  const mountsRaw = flags.strings('mount');
  const out: RunInstruction = { kind: 'RUN', range: req.range, original: req.original, cmd: commandLine(req), mounts: [], mountsRaw };
  try {
    out.mounts = parseMounts(mountsRaw, false);
  } catch (e) {
    if (e instanceof MountError) req.fail('E_FLAG', `--mount: ${e.message}`);
    throw e;
  }
  const network = flags.string('network');
  if (network !== undefined) {
    if (!NETWORKS.has(network)) req.fail('E_FLAG', `unsupported network mode "${network}"`);
    out.network = network as RunInstruction['network'];
  }
  const security = flags.string('security');
  if (security !== undefined) {
    if (!SECURITY.has(security)) req.fail('E_FLAG', `unsupported security mode "${security}"`);
    out.security = security as RunInstruction['security'];
  }
  return out;
}
