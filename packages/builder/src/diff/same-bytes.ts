/** Whether two files have the same contents (streamed, 64 KiB at a time). */
import { createReadStream } from 'node:fs';
import { fsName } from '@tsbuild/layerstore';

export async function sameBytes(a: string, b: string): Promise<boolean> {
  const ra = createReadStream(fsName(a) as string, { highWaterMark: 1 << 16 })[Symbol.asyncIterator]();
  const rb = createReadStream(fsName(b) as string, { highWaterMark: 1 << 16 })[Symbol.asyncIterator]();
  let bufA: Buffer = Buffer.alloc(0);
  let bufB: Buffer = Buffer.alloc(0);
  let doneA = false;
  let doneB = false;
  for (;;) {
    if (bufA.length === 0 && !doneA) {
      const r = await ra.next();
      if (r.done) doneA = true;
      else bufA = r.value as Buffer;
    }
    if (bufB.length === 0 && !doneB) {
      const r = await rb.next();
      if (r.done) doneB = true;
      else bufB = r.value as Buffer;
    }
    if (bufA.length === 0 && bufB.length === 0) return doneA && doneB;
    if (bufA.length === 0 || bufB.length === 0) return false;
    const k = Math.min(bufA.length, bufB.length);
    if (!bufA.subarray(0, k).equals(bufB.subarray(0, k))) return false;
    bufA = bufA.subarray(k);
    bufB = bufB.subarray(k);
  }
}
