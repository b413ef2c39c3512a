/** Stream stages used by the writers: hash-while-passing, byte limits. */
import { Transform, Readable, type TransformCallback } from 'node:stream';
import { createHash, type Hash } from 'node:crypto';
import type { Digest } from '../types.js';
import { integrityError, tooLarge } from '../errors.js';

/** Passes bytes through unchanged while hashing and counting them. */
export class HashStream extends Transform {
  readonly hash: Hash = createHash('sha256');
  bytes = 0;
  private result?: Digest;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
  digest(): Digest {
    this.result ??= `sha256:${this.hash.digest('hex')}`;
    return this.result;
  }
}

/**
 * Passes a blob's bytes through and fails with E_INTEGRITY at its end when they do not hash to
 * `expected` (or are not `size` long): whatever consumed them must then throw its partial result
 * away — the verifier for blobs that are streamed out rather than read whole (save, export).
 */
export class VerifyStream extends HashStream {
  constructor(private readonly expected: Digest, private readonly size?: number) {
    super();
  }
  override _flush(cb: TransformCallback): void {
    const got = this.digest();
    if (got !== this.expected) return cb(integrityError(`blob ${this.expected} is corrupt (hashes to ${got}); run \`tsbuild fsck\``, { digest: this.expected, actual: got }));
    if (this.size !== undefined && this.bytes !== this.size) return cb(integrityError(`blob ${this.expected} has ${this.bytes} bytes, expected ${this.size}`, { digest: this.expected }));
    cb();
  }
}

/** Fails with E_TOO_LARGE once more than `max` bytes went through (declared sizes, gzip bombs). */
export class LimitStream extends Transform {
  bytes = 0;
  constructor(private readonly max: number, private readonly what: string) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.max) return cb(tooLarge(`${this.what} exceeds its limit of ${this.max} bytes`, { limit: this.max }));
    cb(null, chunk);
  }
}

export function toReadable(data: Buffer | Readable): Readable {
  return Buffer.isBuffer(data) ? Readable.from([data], { objectMode: false }) : data;
}

/** Read the first `n` bytes of a stream and give back a stream that still yields everything. */
export async function peek(src: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let have = 0;
  const it = src[Symbol.asyncIterator]();
  let done = false;
  while (have < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const c = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    chunks.push(c);
    have += c.length;
  }
  const head = Buffer.concat(chunks);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value as Buffer;
    }
  }
  return { head: head.subarray(0, n), stream: Readable.from(rest(), { objectMode: false }) };
}
