import type { ExposeInstruction, VolumeInstruction } from '../types.js';
import { errAtLeastOne, type InstructionRequest } from './request.js';
import { trimGoSpace } from '../ast/go-text.js';

export function parseExpose(req: InstructionRequest): ExposeInstruction {
  req.flags.parse({});
  if (req.args.length === 0) errAtLeastOne(req);
  // BuildKit's parseExpose sorts the raw words (`slices.Sort`, byte order) before any expansion,
  // so `EXPOSE 9000 ${PORT}` keeps `${PORT}` first whatever it expands to
  return { kind: 'EXPOSE', range: req.range, original: req.original, ports: [...req.args].sort(byteOrder) };
}

/** Go's string order: UTF-8 bytes, i.e. code points (JS's default sort compares UTF-16 units). */
function byteOrder(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let k = 0; k < Math.min(x.length, y.length); k++) {
    const d = x[k]!.codePointAt(0)! - y[k]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
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
