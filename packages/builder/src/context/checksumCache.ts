/**
 * JSON-file ChecksumCache: `{ v: 2, files: { "<abs path>": [ino, size, mtimeMs, ctimeMs, sha256hex] } }`
 * (times with the sub-millisecond precision Node reports).
 * Loaded once, written atomically (tmp + rename) by `save()` only when something changed.
 * Entries not looked at in this session are kept while the file stays under `maxEntries`.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ChecksumCache, FileIdentity } from './types.js';

type Row = [number, number, number, number, string];

export class JsonChecksumCache implements ChecksumCache {
  private readonly rows: Map<string, Row>;
  private readonly touched = new Set<string>();
  private dirty = false;

  private constructor(readonly file: string, rows: Map<string, Row>, private readonly maxEntries: number) {
    this.rows = rows;
  }

  /** Open (or start) the cache at `file`; a corrupt or missing file starts empty. */
  static async open(file: string, opts: { maxEntries?: number } = {}): Promise<JsonChecksumCache> {
    const rows = new Map<string, Row>();
    try {
      const doc = JSON.parse(await readFile(file, 'utf8')) as { v?: number; files?: Record<string, Row> };
      if (doc.v === 2 && doc.files) for (const [k, r] of Object.entries(doc.files)) if (Array.isArray(r) && r.length === 5) rows.set(k, r);
    } catch {
      // missing / unreadable: start empty
    }
    return new JsonChecksumCache(file, rows, opts.maxEntries ?? 200_000);
  }

  get size(): number {
    return this.rows.size;
  }

  get(absPath: string, id: FileIdentity): string | undefined {
    const r = this.rows.get(absPath);
    if (!r) return undefined;
    if (r[0] !== id.ino || r[1] !== id.size || r[2] !== id.mtimeMs || r[3] !== id.ctimeMs) return undefined;
    this.touched.add(absPath);
    return r[4];
  }

  set(absPath: string, id: FileIdentity, sha256: string): void {
    this.rows.set(absPath, [id.ino, id.size, id.mtimeMs, id.ctimeMs, sha256]);
    this.touched.add(absPath);
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    const files: Record<string, Row> = {};
    let n = 0;
    for (const k of this.touched) { const r = this.rows.get(k); if (r) { files[k] = r; n++; } }
    for (const [k, r] of this.rows) {
      if (n >= this.maxEntries) break;
      if (!(k in files)) { files[k] = r; n++; }
    }
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}-${Date.now()}`;
    try {
      await writeFile(tmp, JSON.stringify({ v: 2, files }), { flag: 'wx' });
      await rename(tmp, this.file);
      this.dirty = false;
    } finally {
      await rm(tmp, { force: true });
    }
  }
}

/** A cache that remembers nothing (default when the solver gives none). */
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
