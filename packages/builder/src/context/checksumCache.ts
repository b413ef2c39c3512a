/**
 * File-backed ChecksumCache (binary, format 7 = layerstore's FORMAT.contextCache, which owns the
 * version and the file's name in the store), compact so a 20,000-file context loads in
 * milliseconds: "TSBCC7\n\0", u32 count, u32 pathBytes, paths (UTF-8, NUL-separated), padding to 8,
 * float64 [ino, size, mtimeMs, ctimeMs] per path, 32 raw sha256 bytes per path, then the (rare)
 * security.capability values: u32 n, then n × (u32 index, u16 length, bytes); then directory
 * listings: u32 n, u32 bytes, per directory `path\0names joined by '/'\0` (UTF-8), padding to 8,
 * float64 [ino, mtimeMs, ctimeMs] per directory; then selection memos (see checksum.ts memoOf): u32 n,
 * then n × (u32 keyBytes, key (UTF-8), 32 fingerprint bytes, 32 digest bytes, u32 entries).
 * A cached value is the sha256 hex, followed by `+<capability hex>` when the file has one.
 * Formats 5 (no listings) and 6 (no memos) are read as is; older ones are dropped: the first build rehashes.
 * A listing (memo) is only stored for a directory (walk) unchanged for LISTING_SETTLED_MS: a change
 * within the same clock tick as the one before would leave its times as they were.
 * Loaded once, written atomically (tmp + rename) by `save()` only when something changed.
 * Entries not looked at in this session are kept while the file stays under `maxEntries`.
 */
import { readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FORMAT } from '@tsbuild/layerstore';
import type { ChecksumCache, DirIdentity, FileIdentity } from './types.js';

interface Row { ino: number; size: number; mtimeMs: number; ctimeMs: number; sha: string }

const SHA_HEX = 64;

const MAGIC = Buffer.from(`TSBCC${FORMAT.contextCache}\n\0`, 'latin1');
const MAGIC6 = Buffer.from('TSBCC6\n\0', 'latin1');
const MAGIC5 = Buffer.from('TSBCC5\n\0', 'latin1');
const MAX_SELECTIONS = 1000;
/** loaded-path lookups served by scanning before the paths are indexed */
const MAX_SCANS = 8;
const LISTING_SETTLED_MS = 2000;

interface DirRow { ino: number; mtimeMs: number; ctimeMs: number; names: string }
interface SelectionRow { fingerprint: string; digest: string; entries: number; touched: boolean }

export class FileChecksumCache implements ChecksumCache {
  /** loaded entries looked at in this session (kept first on save) */
  private touched: Uint8Array = new Uint8Array(0);
  private readonly added = new Map<string, Row>();
  private dirty = false;
  /** loaded listings looked at in this session */
  private dirTouched: Uint8Array;
  private readonly addedDirs = new Map<string, DirRow>();

  private constructor(
    readonly file: string,
    /** the loaded paths (UTF-8, NUL-separated) and their count: indexed on first use (a warm build
     *  answered by selection memos never looks a file up) */
    private readonly pathBlob: Buffer,
    private readonly count: number,
    private readonly ids: Float64Array,
    private readonly shas: Buffer,
    /** index → capability hex, for the loaded entries that have one */
    private readonly caps: Map<number, string>,
    private readonly maxEntries: number,
    /** listings (memos) of directories (walks) changed more recently than this are not stored; 0: trust at once */
    private readonly settledMs: number,
    /** directory path → index into `dirIds` / `dirNames` */
    private readonly dirIndex: Map<string, number> = new Map(),
    private readonly dirIds: Float64Array = new Float64Array(0),
    private readonly dirNames: string[] = [],
    /** selection memos by key (loaded and added) */
    private readonly selections: Map<string, SelectionRow> = new Map(),
  ) {
    this.dirTouched = new Uint8Array(dirNames.length);
  }

  private indexed?: Map<string, number>;

  /** path → index into `ids` / `shas` of the loaded file (a path list that does not parse counts as empty) */
  private get index(): Map<string, number> {
    if (this.indexed) return this.indexed;
    const index = new Map<string, number>();
    const paths = this.count === 0 ? [] : this.pathBlob.toString('utf8').split('\0');
    if (paths.length === this.count) for (let i = 0; i < this.count; i++) index.set(paths[i]!, i);
    return (this.indexed = index);
  }

  /** lookups answered without the index so far */
  private scans = 0;

  /**
   * Row of a loaded path. The first few lookups scan the path blob (a build that changed one file
   * looks up a handful of paths: cheaper than indexing 20,000); after that, the index. The last
   * occurrence wins (the append form of save() may hold a path twice).
   */
  private rowOf(absPath: string): number | undefined {
    if (this.indexed || ++this.scans > MAX_SCANS) return this.index.get(absPath);
    const blob = this.pathBlob;
    const needle = Buffer.from(absPath, 'utf8');
    if (needle.length === 0 || needle.includes(0)) return undefined;
    let from = blob.length;
    for (;;) {
      const at = blob.lastIndexOf(needle, from);
      if (at < 0) return undefined;
      const end = at + needle.length;
      if ((at === 0 || blob[at - 1] === 0) && (end === blob.length || blob[end] === 0)) {
        let row = 0;
        for (let k = blob.indexOf(0); k >= 0 && k < at; k = blob.indexOf(0, k + 1)) row++;
        return row < this.count ? row : undefined;
      }
      if (at === 0) return undefined;
      from = at - 1;
    }
  }

  /** Open (or start) the cache at `file`; a corrupt, old-format or missing file starts empty. */
  static async open(file: string, opts: { maxEntries?: number; listingSettledMs?: number; tmpDir?: string | (() => string) } = {}): Promise<FileChecksumCache> {
    const cache = FileChecksumCache.load(file, opts);
    cache.tmpDir = opts.tmpDir;
    return cache;
  }

  /**
   * where `save()` writes before its rename: a store's tmp/ (a crash leaves `context-<pid>-…` there,
   * which GC removes once the pid is dead), else beside the file
   */
  /** where saves are staged; a getter makes the directory only when a save happens */
  private tmpDir?: string | (() => string);

  private static load(file: string, opts: { maxEntries?: number; listingSettledMs?: number }): FileChecksumCache {
    const max = opts.maxEntries ?? 200_000;
    const settled = opts.listingSettledMs ?? LISTING_SETTLED_MS;
    try {
      const buf = readFileSync(file); // one read at start (async: four thread-pool round trips)
      const head = buf.subarray(0, 8);
      const v7 = buf.length >= 16 && head.equals(MAGIC);
      const v6 = v7 || (buf.length >= 16 && head.equals(MAGIC6));
      if (!v6 && (buf.length < 16 || !head.equals(MAGIC5))) throw new Error('format');
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
      const dirIndex = new Map<string, number>();
      const dirNames: string[] = [];
      let dirIds = new Float64Array(0);
      if (v6) {
        if (at + 8 > buf.length) throw new Error('dirs');
        const nDirs = buf.readUInt32LE(at);
        const blobBytes = buf.readUInt32LE(at + 4);
        const blobAt = at + 8;
        const dirIdsAt = align8(blobAt + blobBytes);
        if (dirIdsAt + nDirs * 24 > buf.length) throw new Error('dirs');
        const parts = nDirs === 0 ? [] : buf.toString('utf8', blobAt, blobAt + blobBytes).split('\0');
        if (parts.length !== 2 * nDirs + (nDirs === 0 ? 0 : 1)) throw new Error('dirs');
        for (let i = 0; i < nDirs; i++) {
          dirIndex.set(parts[2 * i]!, i);
          dirNames.push(parts[2 * i + 1]!);
        }
        dirIds = new Float64Array(buf.buffer.slice(buf.byteOffset + dirIdsAt, buf.byteOffset + dirIdsAt + nDirs * 24));
        at = dirIdsAt + nDirs * 24;
      }
      const selections = new Map<string, SelectionRow>();
      if (v7) {
        if (at + 4 > buf.length) throw new Error('memos');
        const n = buf.readUInt32LE(at);
        at += 4;
        for (let k = 0; k < n; k++) {
          if (at + 4 > buf.length) throw new Error('memos');
          const len = buf.readUInt32LE(at);
          if (at + 4 + len + 68 > buf.length) throw new Error('memos');
          const key = buf.toString('utf8', at + 4, at + 4 + len);
          at += 4 + len;
          selections.set(key, { fingerprint: buf.toString('hex', at, at + 32), digest: `sha256:${buf.toString('hex', at + 32, at + 64)}`, entries: buf.readUInt32LE(at + 64), touched: false });
          at += 68;
        }
      }
      if (at !== buf.length) throw new Error('size');
      const ids = new Float64Array(buf.buffer.slice(buf.byteOffset + idsAt, buf.byteOffset + shasAt));
      return new FileChecksumCache(file, buf.subarray(16, 16 + pathBytes), count, ids, buf.subarray(shasAt, capsAt), caps, max, settled, dirIndex, dirIds, dirNames, selections);
    } catch {
      return new FileChecksumCache(file, Buffer.alloc(0), 0, new Float64Array(0), Buffer.alloc(0), new Map(), max, settled);
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
    const i = this.rowOf(absPath);
    if (i === undefined) return undefined;
    const ids = this.ids;
    if (ids[4 * i] !== id.ino || ids[4 * i + 1] !== id.size || ids[4 * i + 2] !== id.mtimeMs || ids[4 * i + 3] !== id.ctimeMs) return undefined;
    if (this.touched.length !== this.count) this.touched = new Uint8Array(this.count);
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

  listing(dirAbs: string, id: DirIdentity): string[] | undefined {
    const a = this.addedDirs.get(dirAbs);
    if (a) return a.ino === id.ino && a.mtimeMs === id.mtimeMs && a.ctimeMs === id.ctimeMs ? splitNames(a.names) : undefined;
    const i = this.dirIndex.get(dirAbs);
    if (i === undefined) return undefined;
    const ids = this.dirIds;
    if (ids[3 * i] !== id.ino || ids[3 * i + 1] !== id.mtimeMs || ids[3 * i + 2] !== id.ctimeMs) return undefined;
    this.dirTouched[i] = 1;
    return splitNames(this.dirNames[i]!);
  }

  setListing(dirAbs: string, id: DirIdentity, names: string[]): void {
    if (this.settledMs > 0 && Date.now() - Math.max(id.ctimeMs, id.mtimeMs) < this.settledMs) return;
    const i = this.dirIndex.get(dirAbs);
    const joined = names.join('/');
    if (i !== undefined && !this.addedDirs.has(dirAbs)) {
      const ids = this.dirIds;
      if (ids[3 * i] === id.ino && ids[3 * i + 1] === id.mtimeMs && ids[3 * i + 2] === id.ctimeMs && this.dirNames[i] === joined) {
        this.dirTouched[i] = 1;
        return;
      }
    }
    this.addedDirs.set(dirAbs, { ino: id.ino, mtimeMs: id.mtimeMs, ctimeMs: id.ctimeMs, names: joined });
    this.dirty = true;
  }

  selection(key: string, fingerprint: string): { digest: string; entries: number } | undefined {
    const r = this.selections.get(key);
    if (!r || r.fingerprint !== fingerprint) return undefined;
    r.touched = true;
    return { digest: r.digest, entries: r.entries };
  }

  peekSelection(key: string): { entries: number } | undefined {
    const r = this.selections.get(key);
    return r && { entries: r.entries };
  }

  setSelection(key: string, fingerprint: string, value: { digest: string; entries: number }, newestMs: number): void {
    if ((this.settledMs > 0 && Date.now() - newestMs < this.settledMs) || !/^sha256:[0-9a-f]{64}$/.test(value.digest)) return;
    const r = this.selections.get(key);
    if (r && r.fingerprint === fingerprint && r.digest === value.digest) { r.touched = true; return; }
    this.selections.delete(key); // re-added last: the newest are kept first on save
    this.selections.set(key, { fingerprint, digest: value.digest, entries: value.entries, touched: true });
    this.dirty = true;
  }

  /** listings to keep: added and looked-at ones first, then the rest, up to maxEntries / 4 */
  private dirsToSave(): { dirPaths: string[]; dirRows: DirRow[] } {
    const dirPaths: string[] = [];
    const dirRows: DirRow[] = [];
    const max = Math.max(1000, Math.floor(this.maxEntries / 4));
    const seen = new Set<string>();
    const push = (k: string, r: DirRow) => { if (seen.has(k) || dirPaths.length >= max) return; seen.add(k); dirPaths.push(k); dirRows.push(r); };
    const loaded = (i: number): DirRow => ({ ino: this.dirIds[3 * i]!, mtimeMs: this.dirIds[3 * i + 1]!, ctimeMs: this.dirIds[3 * i + 2]!, names: this.dirNames[i]! });
    for (const [k, r] of this.addedDirs) push(k, r);
    for (const [k, i] of this.dirIndex) if (this.dirTouched[i] === 1) push(k, loaded(i));
    for (const [k, i] of this.dirIndex) push(k, loaded(i));
    return { dirPaths, dirRows };
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    // Fast form when the loaded paths were never indexed (a build whose big selections were all
    // answered by memos, e.g. one changed file): the loaded rows as they are, byte for byte, then the
    // added ones; a path in both appears twice and the later (added) row wins on load. The next save
    // that has the index anyway (or more rows than allowed) writes the compact form below.
    const appendForm = this.indexed === undefined && this.count + this.added.size <= this.maxEntries;
    let pathBuf: Buffer;
    /** per row: an added Row, or the index of a loaded one */
    let src: (Row | number)[];
    if (appendForm) {
      const addedPaths = [...this.added.keys()].join('\0');
      pathBuf = this.count === 0 ? Buffer.from(addedPaths, 'utf8')
        : this.added.size === 0 ? this.pathBlob : Buffer.concat([this.pathBlob, Buffer.from(`\0${addedPaths}`, 'utf8')]);
      src = [...this.added.values()];
    } else {
      // rows in order: added, then loaded ones looked at, then the rest; a loaded row is copied from
      // the loaded arrays as raw bytes (no per-entry objects or hex strings)
      const paths: string[] = [];
      src = [];
      const seen = new Set<string>();
      for (const [k, r] of this.added) {
        if (paths.length >= this.maxEntries) break;
        seen.add(k); paths.push(k); src.push(r);
      }
      const fromLoaded = (pass: 0 | 1): void => {
        for (const [k, i] of this.index) {
          if (paths.length >= this.maxEntries) return;
          if ((this.touched[i] === 1) !== (pass === 0) || seen.has(k)) continue;
          paths.push(k); src.push(i);
        }
      };
      fromLoaded(0);
      fromLoaded(1);
      pathBuf = Buffer.from(paths.join('\0'), 'utf8');
    }
    /** rows before `src`: the loaded ones, in place (append form only) */
    const base = appendForm ? this.count : 0;
    const n = base + src.length;
    const idsAt = align8(16 + pathBuf.length);
    const shasAt = idsAt + n * 32;
    const capRows: [number, Buffer][] = [];
    if (appendForm) for (const [i, cap] of this.caps) capRows.push([i, Buffer.from(cap, 'hex')]);
    src.forEach((r, i) => {
      const cap = typeof r === 'number' ? this.caps.get(r) : r.sha.length > SHA_HEX + 1 ? r.sha.slice(SHA_HEX + 1) : undefined;
      if (cap !== undefined) capRows.push([base + i, Buffer.from(cap, 'hex')]);
    });
    const capsAt = idsAt + n * 64;
    const { dirPaths, dirRows } = this.dirsToSave();
    const dirBlob = Buffer.from(dirRows.map((r, i) => `${dirPaths[i]!}\0${r.names}\0`).join(''), 'utf8');
    const capsEnd = capsAt + 4 + capRows.reduce((m, [, b]) => m + 6 + b.length, 0);
    const dirsEnd = align8(capsEnd + 8 + dirBlob.length) + dirRows.length * 24;
    // memos: looked at / added in this session first (newest last in the map), then the rest
    const memos = [...this.selections].sort((a, b) => Number(b[1].touched) - Number(a[1].touched)).slice(0, MAX_SELECTIONS);
    const memoKeys = memos.map(([k]) => Buffer.from(k, 'utf8'));
    const out = Buffer.alloc(dirsEnd + 4 + memoKeys.reduce((m, k) => m + 4 + k.length + 68, 0));
    MAGIC.copy(out, 0);
    out.writeUInt32LE(n, 8);
    out.writeUInt32LE(pathBuf.length, 12);
    pathBuf.copy(out, 16);
    const ids = new Float64Array(out.buffer, out.byteOffset + idsAt, 4 * n);
    if (base > 0) {
      ids.set(this.ids.subarray(0, 4 * base), 0);
      this.shas.copy(out, shasAt, 0, 32 * base);
    }
    for (let j = 0; j < src.length; j++) {
      const i = base + j;
      const r = src[j]!;
      if (typeof r === 'number') {
        ids.set(this.ids.subarray(4 * r, 4 * r + 4), 4 * i);
        this.shas.copy(out, shasAt + 32 * i, 32 * r, 32 * r + 32);
      } else {
        ids[4 * i] = r.ino;
        ids[4 * i + 1] = r.size;
        ids[4 * i + 2] = r.mtimeMs;
        ids[4 * i + 3] = r.ctimeMs;
        out.write(r.sha.slice(0, SHA_HEX), shasAt + 32 * i, 32, 'hex');
      }
    }
    out.writeUInt32LE(capRows.length, capsAt);
    let at = capsAt + 4;
    for (const [i, b] of capRows) {
      out.writeUInt32LE(i, at);
      out.writeUInt16LE(b.length, at + 4);
      b.copy(out, at + 6);
      at += 6 + b.length;
    }
    out.writeUInt32LE(dirRows.length, at);
    out.writeUInt32LE(dirBlob.length, at + 4);
    dirBlob.copy(out, at + 8);
    const dirIdsAt = align8(at + 8 + dirBlob.length);
    dirRows.forEach((r, i) => {
      out.writeDoubleLE(r.ino, dirIdsAt + 24 * i);
      out.writeDoubleLE(r.mtimeMs, dirIdsAt + 24 * i + 8);
      out.writeDoubleLE(r.ctimeMs, dirIdsAt + 24 * i + 16);
    });
    at = dirsEnd;
    out.writeUInt32LE(memos.length, at);
    at += 4;
    memos.forEach(([, r], i) => {
      const k = memoKeys[i]!;
      out.writeUInt32LE(k.length, at);
      k.copy(out, at + 4);
      at += 4 + k.length;
      out.write(r.fingerprint, at, 32, 'hex');
      out.write(r.digest.slice('sha256:'.length), at + 32, 32, 'hex');
      out.writeUInt32LE(r.entries, at + 64);
      at += 68;
    });
    await mkdir(dirname(this.file), { recursive: true });
    const tmpDir = typeof this.tmpDir === 'function' ? this.tmpDir() : this.tmpDir;
    if (tmpDir) await mkdir(tmpDir, { recursive: true });
    const tmp = tmpDir ? join(tmpDir, `context-${process.pid}-${Date.now().toString(36)}`) : `${this.file}.tmp-${process.pid}-${Date.now()}`;
    try {
      await writeFile(tmp, out, { flag: 'wx' });
      await rename(tmp, this.file);
      this.dirty = false;
    } finally {
      await rm(tmp, { force: true });
    }
  }
}

/** Split a stored listing ('/' never occurs in a name). */
function splitNames(joined: string): string[] {
  return joined === '' ? [] : joined.split('/');
}

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
