/**
 * File-backed ChecksumCache (binary, format 5), compact so a 20,000-file context loads in
 * milliseconds: "TSBCC5\n\0", u32 count, u32 pathBytes, paths (UTF-8, NUL-separated), padding to 8,
 * float64 [ino, size, mtimeMs, ctimeMs] per path, 32 raw sha256 bytes per path, then the (rare)
 * security.capability values: u32 n, then n × (u32 index, u16 length, bytes).
 * A cached value is the sha256 hex, followed by `+<capability hex>` when the file has one.
 * Older formats (4 had no capabilities) are dropped: the first build rehashes.
 * Loaded once, written atomically (tmp + rename) by `save()` only when something changed.
 * Entries not looked at in this session are kept while the file stays under `maxEntries`.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ChecksumCache, FileIdentity } from './types.js';

interface Row { ino: number; size: number; mtimeMs: number; ctimeMs: number; sha: string }

const SHA_HEX = 64;

const MAGIC = Buffer.from('TSBCC5\n\0', 'latin1');

export class JsonChecksumCache implements ChecksumCache {
  /** loaded entries looked at in this session (kept first on save) */
  private touched: Uint8Array = new Uint8Array(0);
  private readonly added = new Map<string, Row>();
  private dirty = false;

  private constructor(
    readonly file: string,
    /** path → index into `ids` / `shas` of the loaded file */
    private readonly index: Map<string, number>,
    private readonly ids: Float64Array,
    private readonly shas: Buffer,
    /** index → capability hex, for the loaded entries that have one */
    private readonly caps: Map<number, string>,
    private readonly maxEntries: number,
  ) {}

  /** Open (or start) the cache at `file`; a corrupt, old-format or missing file starts empty. */
  static async open(file: string, opts: { maxEntries?: number } = {}): Promise<JsonChecksumCache> {
    const max = opts.maxEntries ?? 200_000;
    try {
      const buf = await readFile(file);
      if (buf.length < 16 || !buf.subarray(0, 8).equals(MAGIC)) throw new Error('format');
      const count = buf.readUInt32LE(8);
      const pathBytes = buf.readUInt32LE(12);
      const idsAt = align8(16 + pathBytes);
      const shasAt = idsAt + count * 32;
      const capsAt = shasAt + count * 32;
      if (buf.length < capsAt + 4) throw new Error('size');
      const caps = new Map<number, string>();
      const nCaps = buf.readUInt32LE(capsAt);
      let at = capsAt + 4;
      for (let k = 0; k < nCaps; k++) {
        if (at + 6 > buf.length) throw new Error('caps');
        const i = buf.readUInt32LE(at);
        const len = buf.readUInt16LE(at + 4);
        if (at + 6 + len > buf.length || i >= count) throw new Error('caps');
        caps.set(i, buf.toString('hex', at + 6, at + 6 + len));
        at += 6 + len;
      }
      if (at !== buf.length) throw new Error('size');
      const paths = count === 0 ? [] : buf.toString('utf8', 16, 16 + pathBytes).split('\0');
      if (paths.length !== count) throw new Error('paths');
      const ids = new Float64Array(buf.buffer.slice(buf.byteOffset + idsAt, buf.byteOffset + shasAt));
      const index = new Map<string, number>();
      for (let i = 0; i < count; i++) index.set(paths[i]!, i);
      return new JsonChecksumCache(file, index, ids, buf.subarray(shasAt, capsAt), caps, max);
    } catch {
      return new JsonChecksumCache(file, new Map(), new Float64Array(0), Buffer.alloc(0), new Map(), max);
    }
  }

  get size(): number {
    let n = this.index.size;
    for (const k of this.added.keys()) if (!this.index.has(k)) n++;
    return n;
  }

  get(absPath: string, id: FileIdentity): string | undefined {
    const a = this.added.get(absPath);
    if (a) return a.ino === id.ino && a.size === id.size && a.mtimeMs === id.mtimeMs && a.ctimeMs === id.ctimeMs ? a.sha : undefined;
    const i = this.index.get(absPath);
    if (i === undefined) return undefined;
    const ids = this.ids;
    if (ids[4 * i] !== id.ino || ids[4 * i + 1] !== id.size || ids[4 * i + 2] !== id.mtimeMs || ids[4 * i + 3] !== id.ctimeMs) return undefined;
    if (this.touched.length !== this.index.size) this.touched = new Uint8Array(this.index.size);
    this.touched[i] = 1;
    return this.loadedValue(i);
  }

  private loadedValue(i: number): string {
    const sha = this.shas.toString('hex', 32 * i, 32 * i + 32);
    const cap = this.caps.get(i);
    return cap === undefined ? sha : `${sha}+${cap}`;
  }

  set(absPath: string, id: FileIdentity, sha256: string): void {
    this.added.set(absPath, { ino: id.ino, size: id.size, mtimeMs: id.mtimeMs, ctimeMs: id.ctimeMs, sha: sha256 });
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    const paths: string[] = [];
    const rows: Row[] = [];
    const seen = new Set<string>();
    const push = (k: string, r: Row) => { if (seen.has(k) || paths.length >= this.maxEntries) return; seen.add(k); paths.push(k); rows.push(r); };
    const loaded = (k: string, i: number): Row => ({ ino: this.ids[4 * i]!, size: this.ids[4 * i + 1]!, mtimeMs: this.ids[4 * i + 2]!, ctimeMs: this.ids[4 * i + 3]!, sha: this.loadedValue(i) });
    for (const [k, r] of this.added) push(k, r);
    for (const [k, i] of this.index) if (this.touched[i] === 1) push(k, loaded(k, i));
    for (const [k, i] of this.index) if (!seen.has(k)) push(k, loaded(k, i));
    const pathBuf = Buffer.from(paths.join('\0'), 'utf8');
    const idsAt = align8(16 + pathBuf.length);
    const capRows: [number, Buffer][] = [];
    rows.forEach((r, i) => { if (r.sha.length > SHA_HEX + 1) capRows.push([i, Buffer.from(r.sha.slice(SHA_HEX + 1), 'hex')]); });
    const capsAt = idsAt + rows.length * 64;
    const out = Buffer.alloc(capsAt + 4 + capRows.reduce((n, [, b]) => n + 6 + b.length, 0));
    MAGIC.copy(out, 0);
    out.writeUInt32LE(rows.length, 8);
    out.writeUInt32LE(pathBuf.length, 12);
    pathBuf.copy(out, 16);
    rows.forEach((r, i) => {
      out.writeDoubleLE(r.ino, idsAt + 32 * i);
      out.writeDoubleLE(r.size, idsAt + 32 * i + 8);
      out.writeDoubleLE(r.mtimeMs, idsAt + 32 * i + 16);
      out.writeDoubleLE(r.ctimeMs, idsAt + 32 * i + 24);
      out.write(r.sha.slice(0, SHA_HEX), idsAt + rows.length * 32 + 32 * i, 32, 'hex');
    });
    out.writeUInt32LE(capRows.length, capsAt);
    let at = capsAt + 4;
    for (const [i, b] of capRows) {
      out.writeUInt32LE(i, at);
      out.writeUInt16LE(b.length, at + 4);
      b.copy(out, at + 6);
      at += 6 + b.length;
    }
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}-${Date.now()}`;
    try {
      await writeFile(tmp, out, { flag: 'wx' });
      await rename(tmp, this.file);
      this.dirty = false;
    } finally {
      await rm(tmp, { force: true });
    }
  }
}

/** Same class under a name that says what it is (the file is binary, not JSON). */
export const FileChecksumCache = JsonChecksumCache;

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** A cache that lives for one process only (default when the solver gives none). */
export class MemoryChecksumCache implements ChecksumCache {
  private readonly rows = new Map<string, { key: string; sha: string }>();
  get(absPath: string, id: FileIdentity): string | undefined {
    const r = this.rows.get(absPath);
    return r && r.key === key(id) ? r.sha : undefined;
  }
  set(absPath: string, id: FileIdentity, sha256: string): void {
    this.rows.set(absPath, { key: key(id), sha: sha256 });
  }
  async save(): Promise<void> {}
}

function key(id: FileIdentity): string {
  return `${id.ino}:${id.size}:${id.mtimeMs}:${id.ctimeMs}`;
}
