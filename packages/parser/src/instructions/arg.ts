import type { ArgDecl, ArgInstruction } from '../types.js';
import type { InstructionRequest } from './request.js';

/** `ARG name[=default] …` — defaults stay raw (expanded when the ARG takes effect). */
export function parseArg(req: InstructionRequest): ArgInstruction {
  req.flags.parse({});
  if (req.args.length === 0) req.fail('E_PARSE', 'ARG requires at least one argument');
  const args: ArgDecl[] = req.args.map((word) => {
    const eq = word.indexOf('=');
    if (eq < 0) return { name: word };
    const name = word.slice(0, eq);
    if (name === '') req.fail('E_PARSE', 'ARG names can not be blank');
    return { name, value: word.slice(eq + 1) };
  });
  return { kind: 'ARG', range: req.range, original: req.original, args };
}
