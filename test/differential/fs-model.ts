/**
 * A flattened image filesystem as a sorted list of entries, built the same way for both builders:
 * OCI/Docker layer tars applied in order (whiteouts `.wh.<name>` and opaque `.wh..wh..opq`), or a
 * directory walk. Comparing two FsModels gives the differential test's file-level diff.
 */
import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync, readlinkSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { parseTar, type TarHeader } from '@tsbuild/layerstore/tar';

export type EntryType = 'file' | 'dir' | 'symlink' | 'fifo' | 'char' | 'block';

export interface FsEntry {
  /** absolute path inside the image, e.g. `/etc/passwd` (root is `/`) */
  path: string;
  type: EntryType;
  /** permission + setuid/setgid/sticky bits */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** sha256 of the content (regular files) */
  sha256?: string;
  linkname?: string;
  /** whole-second mtime */
  mtime: number;
  /** paths of the other hard links to the same file (regular files only), sorted; absent when none */
  hardlinks?: string[];
  devmajor?: number;
  devminor?: number;
  /** the content of a small regular file (at most PREVIEW_BYTES), shown when two contents differ */
  preview?: string;
}

/** files up to this size keep their content in the model, so a content difference can be shown */
const PREVIEW_BYTES = 1024;

export type FsModel = Map<string, FsEntry>;

const norm = (p: string): string => {
  let s = p.replace(/^\.\//, '').replace(/^\/+/, '').replace(/\/+$/, '');
  if (s === '.' || s === '') return '/';
  return '/' + s;
};
const parentOf = (p: string): string => (p.lastIndexOf('/') <= 0 ? '/' : p.slice(0, p.lastIndexOf('/')));
const baseOf = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

/** Deleting or replacing a file keeps its other hard links alive: re-root the ones that pointed at it. */
function unlinkPath(fs: FsModel, path: string): void {
  fs.delete(path);
  let newRoot: string | undefined;
  for (const e of fs.values()) {
    if (e.hardlinks?.[0] !== path) continue;
    if (!newRoot) { newRoot = e.path; delete e.hardlinks; }
    else e.hardlinks = [newRoot];
  }
}
function removeTree(fs: FsModel, path: string): void {
  unlinkPath(fs, path);
  const prefix = path === '/' ? '/' : path + '/';
  for (const k of [...fs.keys()]) if (k.startsWith(prefix)) unlinkPath(fs, k);
}
function removeChildren(fs: FsModel, dir: string): void {
  const prefix = dir === '/' ? '/' : dir + '/';
  for (const k of [...fs.keys()]) if (k.startsWith(prefix) && k !== dir) unlinkPath(fs, k);
}

interface RawEntry { header: TarHeader; path: string; sha256?: string; size: number; preview?: string }

/** Reads every entry of an (optionally gzipped) tar stream, hashing regular files. */
export async function readTarEntries(input: Readable, opts: { gzip?: boolean } = {}): Promise<RawEntry[]> {
  const out: RawEntry[] = [];
  const source: Readable = opts.gzip ? input.pipe(createGunzip()) : input;
  if (opts.gzip) input.on('error', (e) => source.destroy(e));
  let cur: { h: TarHeader; hash: ReturnType<typeof createHash>; size: number; head: Buffer[] } | undefined;
  await parseTar(source, {
    entry: (h) => void (cur = { h, hash: createHash('sha256'), size: 0, head: [] }),
    data: (c) => {
      cur!.hash.update(c);
      cur!.size += c.length;
      if (cur!.size <= PREVIEW_BYTES) cur!.head.push(Buffer.from(c));
    },
    end: () => {
      const { h, hash, size, head } = cur!;
      const isFile = h.type === 'file' || h.type === 'contiguous-file';
      out.push({
        header: h, path: norm(h.name), size, sha256: isFile ? hash.digest('hex') : undefined,
        ...(isFile && size <= PREVIEW_BYTES ? { preview: Buffer.concat(head).toString('utf8') } : {}),
      });
    },
  });
  return out;
}

function entryFromHeader(r: RawEntry, fs: FsModel): FsEntry | undefined {
  const h = r.header;
  // the reader applies PAX uid/gid/mtime: ids past the octal fields' range and mtimes before 1970
  // (or past 2242) are there (Go's archive/tar writes them in PAX, its ustar fields hold 0)
  const base = {
    path: r.path,
    mode: h.mode & 0o7777,
    uid: h.uid,
    gid: h.gid,
    mtime: Math.floor(h.mtime.getTime() / 1000),
  };
  switch (h.type) {
    case 'file':
    case 'contiguous-file':
      return { ...base, type: 'file', size: r.size, sha256: r.sha256, ...(r.preview !== undefined ? { preview: r.preview } : {}) };
    case 'directory':
      return { ...base, type: 'dir', size: 0 };
    case 'symlink':
      return { ...base, type: 'symlink', size: 0, linkname: h.linkname ?? '' };
    case 'fifo':
      return { ...base, type: 'fifo', size: 0 };
    case 'character-device':
      return { ...base, type: 'char', size: 0, devmajor: h.devmajor, devminor: h.devminor };
    case 'block-device':
      return { ...base, type: 'block', size: 0, devmajor: h.devmajor, devminor: h.devminor };
    case 'link': {
      const target = fs.get(norm(h.linkname ?? ''));
      if (!target) throw new Error(`hardlink ${r.path} -> ${h.linkname}: target not present`);
      // a hard link shares the target's inode: same metadata as the target
      return { ...target, path: r.path, hardlinks: [norm(h.linkname ?? '')] };
    }
    default:
      return undefined;
  }
}

/** Applies one layer's entries onto `fs` following the OCI image layer spec. */
export function applyLayer(fs: FsModel, entries: RawEntry[]): void {
  // whiteouts hide lower-layer content only: apply them all before this layer's own entries
  for (const r of entries) {
    const b = baseOf(r.path);
    if (b === '.wh..wh..opq') removeChildren(fs, parentOf(r.path));
    else if (b.startsWith('.wh.')) removeTree(fs, join(parentOf(r.path), b.slice(4)));
  }
  for (const r of entries) {
    if (baseOf(r.path).startsWith('.wh.')) continue;
    const e = entryFromHeader(r, fs);
    if (!e) continue;
    const prev = fs.get(e.path);
    if (prev && (prev.type !== 'dir' || e.type !== 'dir')) removeTree(fs, e.path);
    fs.set(e.path, e);
  }
}

/** Recomputes hard-link groups: every member lists all the others. */
function finishHardlinks(fs: FsModel): FsModel {
  const groups = new Map<string, Set<string>>();
  const find = (p: string): string => {
    const e = fs.get(p);
    const t = e?.hardlinks?.[0];
    return t && t !== p && fs.get(t) ? find(t) : p;
  };
  for (const e of fs.values()) {
    if (e.type !== 'file' || !e.hardlinks) continue;
    const root = find(e.path);
    let g = groups.get(root);
    if (!g) groups.set(root, (g = new Set([root])));
    g.add(e.path);
  }
  for (const e of fs.values()) delete e.hardlinks;
  for (const g of groups.values()) {
    if (g.size < 2) continue;
    for (const p of g) fs.get(p)!.hardlinks = [...g].filter((x) => x !== p).sort();
  }
  return fs;
}

/** Flattens layer tars (paths to files, or stream factories), lowest first. */
export async function flattenLayers(layers: Array<{ open: () => Readable; gzip?: boolean }>): Promise<FsModel> {
  const fs: FsModel = new Map();
  for (const l of layers) applyLayer(fs, await readTarEntries(l.open(), { gzip: l.gzip }));
  return finishHardlinks(fs);
}

/** Flattens one plain tar (e.g. a `-o type=tar` export or `docker export`). */
export async function modelFromTar(path: string): Promise<FsModel> {
  return flattenLayers([{ open: () => createReadStream(path) }]);
}

/** Walks a directory (e.g. a `-o type=local` export). */
export function modelFromDir(root: string): FsModel {
  const fs: FsModel = new Map();
  const inodes = new Map<string, string[]>();
  const walk = (abs: string, rel: string): void => {
    const st = lstatSync(abs, { bigint: false });
    const base = { path: rel, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) };
    let e: FsEntry;
    if (st.isDirectory()) e = { ...base, type: 'dir', size: 0 };
    else if (st.isSymbolicLink()) e = { ...base, type: 'symlink', size: 0, linkname: readlinkSync(abs) };
    else if (st.isFIFO()) e = { ...base, type: 'fifo', size: 0 };
    else if (st.isCharacterDevice()) e = { ...base, type: 'char', size: 0, devmajor: Math.floor(st.rdev / 256), devminor: st.rdev % 256 };
    else if (st.isBlockDevice()) e = { ...base, type: 'block', size: 0, devmajor: Math.floor(st.rdev / 256), devminor: st.rdev % 256 };
    else {
      e = { ...base, type: 'file', size: st.size, sha256: createHash('sha256').update(readFileSync(abs)).digest('hex') };
      if (st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        inodes.set(key, [...(inodes.get(key) ?? []), rel]);
      }
    }
    if (rel !== '/') fs.set(rel, e);
    else fs.set('/', e);
    if (st.isDirectory()) for (const n of readdirSync(abs).sort()) walk(join(abs, n), rel === '/' ? `/${n}` : `${rel}/${n}`);
  };
  walk(root, '/');
  for (const g of inodes.values()) if (g.length > 1) for (const p of g) fs.get(p)!.hardlinks = g.filter((x) => x !== p).sort();
  return fs;
}

export interface CompareOptions {
  /** paths never compared (absent on either side is fine) */
  ignorePaths?: Set<string>;
  /**
   * mtime rule. With `buildStart`: an mtime older than the build start came from the base image or the
   * context and must match exactly; anything written during the build must be "new" on both sides.
   * With `preexisting` (takes precedence): an mtime in the set (mtimes of the base image's files and of
   * the context) must match exactly; any other mtime was generated by a build and only has to be
   * "generated" on the other side too.
   */
  buildStart?: { left: number; right: number };
  preexisting?: Set<number>;
  /**
   * With `preexisting`: mtimes outside this window (whole seconds) cannot have been generated by a build
   * running now, so they are fixed values (`touch -d @1500000000`, archive headers, …) and must match
   * exactly, like preexisting ones.
   */
  generatedWindow?: { from: number; to: number };
  /** do not compare the mtimes of directories */
  ignoreDirMtimes?: boolean;
  /** do not compare the mtime of these paths at all */
  ignoreMtime?: Set<string>;
}

const fmtEntry = (e: FsEntry): string =>
  `${e.type} ${e.mode.toString(8).padStart(4, '0')} ${e.uid}:${e.gid} size=${e.size}` +
  (e.sha256 ? ` sha256=${e.sha256.slice(0, 12)}` : '') +
  (e.linkname !== undefined ? ` -> ${e.linkname}` : '') +
  (e.hardlinks ? ` hardlinks=[${e.hardlinks.join(',')}]` : '') +
  (e.devmajor !== undefined ? ` dev=${e.devmajor},${e.devminor}` : '') +
  ` mtime=${e.mtime}`;

/** Returns human-readable differences (empty = identical). `left` is the reference (docker). */
export function compareModels(left: FsModel, right: FsModel, opts: CompareOptions = {}, names = { left: 'docker', right: 'tsbuild' }): string[] {
  const diffs: string[] = [];
  const paths = [...new Set([...left.keys(), ...right.keys()])].sort();
  for (const p of paths) {
    if (opts.ignorePaths?.has(p)) continue;
    const a = left.get(p);
    const b = right.get(p);
    if (!a) { diffs.push(`+ ${p} only in ${names.right}: ${fmtEntry(b!)}`); continue; }
    if (!b) { diffs.push(`- ${p} only in ${names.left}: ${fmtEntry(a)}`); continue; }
    const fields: string[] = [];
    if (a.type !== b.type) fields.push('type');
    if (a.mode !== b.mode) fields.push('mode');
    if (a.uid !== b.uid || a.gid !== b.gid) fields.push('owner');
    if (a.type === 'file' && (a.size !== b.size || a.sha256 !== b.sha256)) fields.push('content');
    if ((a.linkname ?? '') !== (b.linkname ?? '')) fields.push('linkname');
    if ((a.hardlinks ?? []).join(',') !== (b.hardlinks ?? []).join(',')) fields.push('hardlinks');
    if (a.devmajor !== b.devmajor || a.devminor !== b.devminor) fields.push('device');
    if ((opts.buildStart || opts.preexisting) && !opts.ignoreMtime?.has(p) && !(opts.ignoreDirMtimes && a.type === 'dir' && b.type === 'dir')) {
      const w = opts.generatedWindow;
      const generated = (m: number) => !opts.preexisting!.has(m) && (!w || (m >= w.from && m <= w.to));
      const aNew = opts.preexisting ? generated(a.mtime) : a.mtime >= opts.buildStart!.left;
      const bNew = opts.preexisting ? generated(b.mtime) : b.mtime >= opts.buildStart!.right;
      if (aNew !== bNew || (!aNew && a.mtime !== b.mtime)) fields.push('mtime');
    }
    let detail = '';
    if (fields.includes('content') && a.preview !== undefined && b.preview !== undefined) {
      detail = `\n    ${names.left} content:  ${JSON.stringify(a.preview)}\n    ${names.right} content: ${JSON.stringify(b.preview)}`;
    }
    if (fields.length) diffs.push(`~ ${p} [${fields.join(',')}]\n    ${names.left}:  ${fmtEntry(a)}\n    ${names.right}: ${fmtEntry(b)}${detail}`);
  }
  return diffs;
}
