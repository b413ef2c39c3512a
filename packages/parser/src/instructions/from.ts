import type { FromInstruction } from '../types.js';
import type { InstructionRequest } from './request.js';

const validStageName = /^[a-z][a-z0-9-_.]*$/;

/** `FROM [--platform=p] image [AS name]` */
export function parseFrom(req: InstructionRequest): FromInstruction {
  const flags = req.flags.parse({ platform: 'string' });
  const a = req.args;
  if (!(a.length === 1 || (a.length === 3 && a[1]!.toLowerCase() === 'as'))) req.fail('E_PARSE', 'FROM requires either one or three arguments');
  const out: FromInstruction = { kind: 'FROM', range: req.range, original: req.original, image: a[0]! };
  const platform = flags.string('platform');
  if (platform !== undefined) out.platform = platform;
  if (a.length === 3) {
    const name = a[2]!.toLowerCase();
    if (!validStageName.test(name)) req.fail('E_STAGE', `invalid name for build stage: ${JSON.stringify(a[2])}, name can't start with a number or contain symbols`);
    out.stageName = name;
  }
  return out;
}
