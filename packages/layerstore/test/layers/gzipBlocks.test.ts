/**
 * GzipBlocks (layers/gzipBlocks.ts): one gzip member out of 1 MiB blocks deflated in parallel.
 * Any gzip reader takes it; the bytes depend only on the input (not on how it was fed or on the
 * parallelism); an input of at most one block is exactly zlib's own gzip.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BLOCK, GzipBlocks } from '../../src/layers/gzipBlocks.js';

async function gzipBlocks(input: Buffer, level: number, parallel: number, feed: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < input.length; i += feed) parts.push(input.subarray(i, i + feed));
  const out: Buffer[] = [];
  for await (const c of Readable.from(parts).pipe(new GzipBlocks({ level, parallel }))) out.push(c as Buffer);
  return Buffer.concat(out);
}

/** text-like input: compressible, with matches across block boundaries */
function sample(n: number): Buffer {
  const words = ['layer', 'tar', 'gzip', 'block', 'deflate', 'window', '\n', ' ', 'sha256:', '0123456789abcdef'];
  const out = Buffer.alloc(n);
  let x = 12345;
  for (let i = 0; i < n;) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const w = words[x % words.length]!;
    i += out.write(w, i);
  }
  return out;
}

describe('GzipBlocks', () => {
  it('is plain zlib gzip for inputs up to one block', async () => {
    for (const n of [0, 1, 1000, BLOCK - 1, BLOCK]) {
      const input = sample(n);
      for (const level of [1, 6, 9]) expect((await gzipBlocks(input, level, 2, 4096)).equals(gzipSync(input, { level }))).toBe(true);
    }
  });

  it('round-trips through node and gzip(1), with the same bytes for any feed and parallelism', async () => {
    for (const n of [BLOCK + 1, 3 * BLOCK + 17, 5 * BLOCK]) {
      const input = sample(n);
      const a = await gzipBlocks(input, 1, 1, 4096);
      const b = await gzipBlocks(input, 1, 4, 300_000);
      expect(a.equals(b)).toBe(true);
      expect(gunzipSync(a).equals(input)).toBe(true);
      expect(execFileSync('gzip', ['-dc'], { input: a, maxBuffer: 64 << 20 }).equals(input)).toBe(true);
      // the previous block's tail primes each block: about as small as one stream
      expect(a.length).toBeLessThan(gzipSync(input, { level: 1 }).length * 1.01);
    }
  });

  it('with a release hook: same bytes, whole-block chunks deflated in place, each chunk released once after its last read', async () => {
    const input = sample(4 * BLOCK + 5000);
    const plain = await gzipBlocks(input, 1, 2, 4096);
    // whole blocks (adopted), then odd sizes that straddle block boundaries (copied)
    for (const sizes of [[BLOCK], [BLOCK, BLOCK, 4096, BLOCK - 4096], [BLOCK + 512, 1000]]) {
      const chunks: Buffer[] = [];
      for (let at = 0, i = 0; at < input.length; i++) {
        const n = Math.min(sizes[i % sizes.length]!, input.length - at);
        chunks.push(Buffer.from(input.subarray(at, at + n)));
        at += n;
      }
      const released: Buffer[] = [];
      // scribble over each released chunk, as a producer refilling it would: the output must not change
      const z = new GzipBlocks({ level: 1, parallel: 2, release: (c) => { released.push(c); c.fill(0x55); } });
      const out: Buffer[] = [];
      for await (const c of Readable.from(chunks).pipe(z)) out.push(c as Buffer);
      expect(Buffer.concat(out).equals(plain)).toBe(true);
      expect(released.length).toBe(chunks.length);
      expect(new Set(released).size).toBe(chunks.length);
      expect(chunks.every((c) => released.includes(c))).toBe(true);
    }
  });
});
