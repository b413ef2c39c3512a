/**
 * gzip in fixed-size blocks compressed in parallel (pigz's layout): ONE gzip member whose deflate
 * stream is the concatenation of independently compressed blocks. Each block of BLOCK input bytes
 * is raw-deflated on the libuv thread pool with the previous 32 KiB as its dictionary and ends
 * with a sync flush (byte-aligned, not final); the last block ends with Z_FINISH. The header is
 * zlib's own (mtime 0, OS unix) and the trailer is CRC-32 + size, so any gzip reader takes it.
 *
 * Deterministic: block boundaries depend only on the byte offsets of the input, never on how the
 * input arrived or how many blocks ran at once, so the same tar gives the same blob on any machine.
 * An input of at most one block is byte-identical to `zlib.gzip(input, { level })`.
 *
 * Memory: at most `parallel` blocks in flight (input + output each), plus one block being filled.
 * With a `release` hook (see GzipBlocksOptions) a chunk of exactly one block that starts a block is
 * deflated where it is (no copy, no block buffer of our own) and handed back once its deflate is
 * done; every other chunk is handed back as soon as its bytes are copied. The producer can then
 * refill the same few buffers instead of allocating a fresh MiB per MiB of input: dead ArrayBuffers
 * waiting for V8's GC are what pushed a big COPY's RSS up (see layers/write.ts).
 */
import { availableParallelism } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';

/** input bytes per deflate block (a format constant: changing it changes layer digests) */
export const BLOCK = 1024 * 1024;
const WINDOW = 32 * 1024;
/** deflate output buffer: a few thread-pool round trips per block (16 KiB, the default, meant ~40) */
const OUT_CHUNK = 256 * 1024;

export interface GzipBlocksOptions {
  level?: number;
  /** blocks compressed at once (default: the CPU count, at most 4); does not change the output */
  parallel?: number;
  /**
   * called with each input chunk once nothing here reads its bytes any more (never for a chunk
   * whose write failed); given, whole-block chunks are deflated in place instead of copied
   */
  release?: (chunk: Buffer) => void;
}

/**
 * one block being deflated: its output pieces, and its input — our own buffer (reused for a later
 * block once done) or an adopted input chunk (released once done)
 */
interface Job { done: Promise<Buffer[]>; input: Buffer; adopted: boolean }

export class GzipBlocks extends Transform {
  private readonly level: number;
  private readonly parallel: number;
  private readonly release: ((chunk: Buffer) => void) | undefined;
  /** the block being filled (allocated when first needed) */
  private fill: Buffer | undefined;
  private filled = 0;
  /** `fill` is an input chunk taken as it is (release it, do not reuse it) */
  private adopted = false;
  /**
   * last WINDOW bytes of the previous block: the next block's dictionary. One buffer, refilled per
   * block: zlib's init() copies the dictionary when the stream is created, so it is free right after.
   */
  private readonly dict = Buffer.allocUnsafe(WINDOW);
  private haveDict = false;
  private crc = 0;
  private size = 0;
  private headerOut = false;
  private readonly jobs: Job[] = [];
  /** input blocks whose deflate finished, for reuse (fewer 1 MiB allocations left for the GC) */
  private readonly spare: Buffer[] = [];

  constructor(opts: GzipBlocksOptions = {}) {
    super();
    this.level = opts.level ?? 6;
    this.parallel = Math.max(1, opts.parallel ?? defaultParallel());
    this.release = opts.release;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.crc = zlib.crc32(chunk, this.crc);
    this.size += chunk.length;
    this.consume(chunk, 0).then(() => cb(), cb);
  }

  override _flush(cb: TransformCallback): void {
    this.header();
    const input = this.fill ?? Buffer.alloc(0);
    this.jobs.push({ done: deflate(input.subarray(0, this.filled), this.level, this.dictionary(), zlib.constants.Z_FINISH), input, adopted: this.adopted });
    this.drain(0)
      .then(() => {
        const trailer = Buffer.allocUnsafe(8);
        trailer.writeUInt32LE(this.crc >>> 0, 0);
        trailer.writeUInt32LE(this.size % 0x1_0000_0000, 4);
        this.push(trailer);
        cb();
      }, cb);
  }

  private async consume(chunk: Buffer, at: number): Promise<void> {
    let kept = false;
    while (at < chunk.length) {
      // a full block is started only once input follows it (so it is known not to be the last:
      // it ends with a sync flush, and an input of exactly one block stays a plain gzip)
      if (this.filled === BLOCK) {
        this.header();
        const block = this.fill!;
        const done = deflate(block, this.level, this.dictionary(), zlib.constants.Z_SYNC_FLUSH);
        block.copy(this.dict, 0, BLOCK - WINDOW);
        this.haveDict = true;
        this.jobs.push({ done, input: block, adopted: this.adopted });
        this.fill = undefined;
        this.filled = 0;
        this.adopted = false;
        await this.drain(this.parallel - 1);
      }
      // block boundaries stay at the same input offsets whether a block is adopted or copied
      if (this.filled === 0 && at === 0 && chunk.length === BLOCK && this.release) {
        this.fill = chunk;
        this.adopted = true;
        kept = true;
        this.filled = BLOCK;
        at = BLOCK;
        continue;
      }
      this.fill ??= this.spare.pop() ?? Buffer.allocUnsafe(BLOCK);
      const n = Math.min(BLOCK - this.filled, chunk.length - at);
      chunk.copy(this.fill, this.filled, at, at + n);
      this.filled += n;
      at += n;
    }
    if (!kept) this.release?.(chunk);
  }

  private dictionary(): Buffer | undefined {
    return this.haveDict ? this.dict : undefined;
  }

  /** push finished blocks in order until at most `keep` are in flight */
  private async drain(keep: number): Promise<void> {
    while (this.jobs.length > keep) {
      const job = this.jobs[0]!;
      const out = await job.done;
      this.jobs.shift();
      for (const piece of out) this.push(piece);
      if (job.adopted) this.release!(job.input);
      else if (this.spare.length < 2 && job.input.length === BLOCK) this.spare.push(job.input);
    }
  }

  private header(): void {
    if (this.headerOut) return;
    this.headerOut = true;
    this.push(gzipHeader(this.level));
  }
}

/** Raw-deflate one block; its output as the deflate stream's own pieces (no concatenation). */
function deflate(input: Buffer, level: number, dictionary: Buffer | undefined, finishFlush: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const z = zlib.createDeflateRaw({ level, finishFlush, chunkSize: OUT_CHUNK, ...(dictionary ? { dictionary } : {}) });
    const out: Buffer[] = [];
    z.on('data', (b: Buffer) => out.push(b));
    z.on('end', () => resolve(out));
    z.on('error', reject);
    z.end(input);
  });
}

/** The 10-byte header zlib writes for gzip: no name, mtime 0, XFL from the level, OS = Unix. */
function gzipHeader(level: number): Buffer {
  const xfl = level === 9 ? 2 : level < 2 ? 4 : 0;
  return Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, xfl, 0x03]);
}

function defaultParallel(): number {
  return Math.min(4, availableParallelism());
}
