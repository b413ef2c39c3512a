/**
 * The streaming tar packer: headers, PAX headers and bodies go out as one Readable of ≥64 KiB
 * chunks (a layer of many small files reaches gzip and the hashes as a few large writes, not
 * three tiny ones per entry); a body of 16 KiB or more is passed on without a copy. The writer
 * awaits `ready()` between entries, which holds it while the consumer is behind (backpressure).
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { encodeHeader, encodeHeaderInto, type HeaderFields } from './header.js';
import { textPaxRecords } from './pax.js';
import type { PackHeader } from './types.js';

const CHUNK = 64 * 1024;
/** bodies this big are pushed as they are */
const PASS = 16 * 1024;
const ZERO_BLOCKS = Buffer.alloc(1024);

export class TarSizeError extends Error {
  readonly code = 'E_TAR_SIZE';
}

export class TarPack extends Readable {
  private chunk = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  private waiting?: () => void;
  private finalized = false;

  constructor() {
    super({ highWaterMark: 2 * CHUNK });
  }

  override _read(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this._read();
    cb(err);
  }

  /** Resolves when the consumer has room for more (immediately while it has). */
  ready(): Promise<void> {
    if (this.destroyed) return Promise.reject(this.errored ?? new Error('tar stream destroyed'));
    if (this.readableLength < this.readableHighWaterMark) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting = () => (this.destroyed ? reject(this.errored ?? new Error('tar stream destroyed')) : resolve());
    });
  }

  /** Raw bytes between entries (a prepared PAX entry, say). */
  raw(b: Buffer): void {
    if (b.length >= PASS) {
      this.flush();
      this.push(b);
      return;
    }
    let at = 0;
    while (at < b.length) {
      if (this.used === this.chunk.length) this.flush();
      const k = Math.min(b.length - at, this.chunk.length - this.used);
      b.copy(this.chunk, this.used, at, at + k);
      this.used += k;
      at += k;
    }
  }

  /** The header(s) of an entry: a `PaxHeader` entry first when it needs one (see writeHeader). */
  header(h: PackHeader): void {
    const f = fields(h);
    if (!h.pax) {
      if (this.chunk.length - this.used < 512) this.flush();
      if (encodeHeaderInto(f, this.chunk, this.used)) {
        this.used += 512;
        return;
      }
    }
    this.raw(paxHeaderBlocks(h, f));
  }

  /** A whole entry with its body in memory (none for non-files). */
  entry(h: PackHeader, body?: Buffer | string): void {
    const b = typeof body === 'string' ? Buffer.from(body) : body;
    const isFile = (h.type ?? 'file') === 'file' || h.type === 'contiguous-file';
    this.header(b && isFile ? { ...h, size: b.length } : h);
    if (b && isFile && b.length) {
      this.raw(b);
      this.pad(b.length);
    }
  }

  /** A file entry whose body streams from `src` (a file path, or chunks; exactly `h.size` bytes, else TarSizeError). */
  async entryFrom(h: PackHeader & { size: number }, src: AsyncIterable<Buffer> | string | Buffer): Promise<void> {
    this.header(h);
    const path = typeof src === 'string' || Buffer.isBuffer(src);
    const stream: AsyncIterable<Buffer> = path ? createReadStream(src) : src;
    let n = 0;
    try {
      for await (const c of stream) {
        n += c.length;
        if (n > h.size) throw new TarSizeError(`${h.name}: more than ${h.size} bytes (changed while it was written)`);
        this.raw(c);
        await this.ready();
      }
    } finally {
      if (path) (stream as Readable).destroy();
    }
    if (n !== h.size) throw new TarSizeError(`${h.name}: ${n} bytes where ${h.size} were announced (changed while it was written)`);
    this.pad(n);
  }

  /** The end-of-archive marker (two zero blocks), then the end of the stream. */
  finalize(): void {
    if (this.finalized) return;
    this.finalized = true;
    this.raw(ZERO_BLOCKS);
    this.flush();
    this.push(null);
  }

  private pad(size: number): void {
    const r = size & 511;
    if (r) this.raw(ZERO_BLOCKS.subarray(0, 512 - r));
  }

  private flush(): void {
    if (this.used === 0) return;
    this.push(this.chunk.subarray(0, this.used));
    this.chunk = Buffer.allocUnsafe(CHUNK);
    this.used = 0;
  }
}

function seconds(m: Date | number | undefined): number {
  if (m === undefined) return 0;
  return typeof m === 'number' ? m : (m.getTime() / 1000) | 0;
}

function fields(h: PackHeader): HeaderFields {
  const type = h.type ?? 'file';
  return {
    name: h.name,
    type,
    mode: h.mode ?? (type === 'directory' ? 0o755 : 0o644),
    uid: h.uid ?? 0,
    gid: h.gid ?? 0,
    size: type === 'file' || type === 'contiguous-file' ? (h.size ?? 0) : 0,
    mtime: seconds(h.mtime),
    linkname: h.linkname,
    uname: h.uname,
    gname: h.gname,
    devmajor: h.devmajor,
    devminor: h.devminor,
  };
}

/**
 * PAX header entry + the entry's own header, both named `PaxHeader` (a target, when there is one,
 * also `PaxHeader`), with the entry's mode, owner, mtime and device.
 */
function paxHeaderBlocks(h: PackHeader, f: HeaderFields): Buffer {
  const records = textPaxRecords(h.name, h.linkname, h.pax);
  const stub: HeaderFields = { ...f, name: 'PaxHeader', linkname: f.linkname ? 'PaxHeader' : undefined };
  const x = encodeHeader({ ...stub, type: 'pax-header', size: records.length })!;
  const main = encodeHeader(stub)!;
  const pad = (512 - (records.length % 512)) % 512;
  return Buffer.concat([x, records, Buffer.alloc(pad), main]);
}

/** A whole tar in memory (tests, small archives). */
export function packTar(entries: { header: PackHeader; body?: Buffer | string }[]): Buffer {
  const p = new TarPack();
  for (const e of entries) p.entry(e.header, e.body);
  p.finalize();
  // not flowing: every push() is buffered, read() hands it all out
  const out: Buffer[] = [];
  let c: Buffer | null;
  while ((c = p.read() as Buffer | null) !== null) out.push(c);
  return Buffer.concat(out);
}
