/**
 * `tsbuild setup-emulation`: register the QEMU binfmt_misc handlers that Debian's qemu-user-static
 * describes (root only), so RUN steps of foreign platforms can run. `--status` only reports.
 */
import { emulationHint, emulationStates, setupEmulation } from '../../exec/emulation.js';
import { hostPlatform } from '../../solve/resolveBase.js';
import { UsageError } from '../errors.js';
import { parseArgs, out } from './_store-args.js';

const USAGE = `Usage: tsbuild setup-emulation [--status] [HANDLER...]

Register QEMU user emulation handlers (qemu-aarch64, qemu-arm, …) in binfmt_misc from the
descriptions Debian's qemu-user-static installs in /usr/share/binfmts, with the F flag so they
work inside build containers. Needs root. Handlers already registered are left as they are.

  --status   only show, per platform, whether its RUN steps can run here
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { status: { value: false } });
  if (args.help) return void out(USAGE), 0;
  const host = hostPlatform();
  if (args.flags.status === true) {
    if (args.positionals.length) throw new UsageError('setup-emulation --status takes no handler names');
    for (const { platform: p, state: s } of emulationStates(host)) {
      const name = `linux/${p.architecture}${p.variant ? `/${p.variant}` : ''}`.padEnd(16);
      out(s.kind === 'native' ? `${name} native` : s.kind === 'registered' ? `${name} emulated (${s.handler}: ${s.interpreter})` : `${name} unavailable: ${emulationHint(s)}`);
    }
    return 0;
  }
  const r = setupEmulation(args.positionals.length ? { only: args.positionals } : {});
  for (const n of r.registered) out(`registered ${n}`);
  for (const n of r.already) out(`already registered ${n}`);
  return 0;
}
