import type { ExposeInstruction, VolumeInstruction } from '../types.js';
import { errAtLeastOne, type InstructionRequest } from './request.js';
import { trimGoSpace } from '../ast/go-text.js';

export function parseExpose(req: InstructionRequest): ExposeInstruction {
  req.flags.parse({});
  if (req.args.length === 0) errAtLeastOne(req);
  return { kind: 'EXPOSE', range: req.range, original: req.original, ports: [...req.args].sort() }; // BuildKit sorts the words
}

export function parseVolume(req: InstructionRequest): VolumeInstruction {
  req.flags.parse({});
  if (req.args.length === 0) errAtLeastOne(req);
  const volumes = req.args.map((v) => {
    const t = trimGoSpace(v);
    if (t === '') req.fail('E_PARSE', 'VOLUME specified can not be an empty string');
    return t;
  });
  return { kind: 'VOLUME', range: req.range, original: req.original, volumes };
}
