import type { EnvInstruction, KeyValue, LabelInstruction } from '../types.js';
import type { InstructionRequest } from './request.js';

/** `key value sep` triples from the AST; values stay raw (quotes removed at expansion time). */
function pairs(req: InstructionRequest): KeyValue[] {
  if (req.args.length === 0) req.fail('E_PARSE', `${req.name} requires at least one argument`);
  if (req.args.length % 3 !== 0) req.fail('E_PARSE', `Bad input to ${req.name}, too many arguments`);
  const out: KeyValue[] = [];
  for (let i = 0; i < req.args.length; i += 3) {
    const key = req.args[i]!;
    if (key === '') req.fail('E_PARSE', `${req.name} names can not be blank`);
    out.push({ key, value: req.args[i + 1]! });
  }
  return out;
}

export function parseEnv(req: InstructionRequest): EnvInstruction {
  req.flags.parse({});
  return { kind: 'ENV', range: req.range, original: req.original, env: pairs(req) };
}

export function parseLabel(req: InstructionRequest): LabelInstruction {
  req.flags.parse({});
  return { kind: 'LABEL', range: req.range, original: req.original, labels: pairs(req) };
}
