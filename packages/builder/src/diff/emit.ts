/**
 * The OCI layer tar writer shared by both differs: takes the changes in final order (parents
 * before children, sorted) and streams a PAX tar through the tar module's packer — file contents
 * are piped from disk one at a time, so the layer is never in memory.
 *
 *  - numeric owners only (uname/gname empty), permission bits incl. setuid/setgid/sticky
 *  - whole-second mtimes; with `sourceDateEpoch`, mtime = min(mtime, epoch)
 *  - hardlinks inside the layer (same dev+ino, nlink > 1) as link entries to the first path
 *  - `security.capability` kept as SCHILY.xattr (what containerd/BuildKit keep)
 *  - whiteouts `.wh.<name>` (mode 0600) and opaque markers `.wh..wh..opq` (dir's mode, mtime 0)
 *    as empty regular files, exactly as BuildKit 20.10's layers have them
 */
import { readFileSync, type Stats } from 'node:fs';
import { readlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { posix } from 'node:path';
import { TarPack, paxEntry, type PackHeader } from '@tsbuild/layerstore/tar';
import { readXattrs } from './xattrs.js';
import { decodeName, encodeName, fsName, hasEscapes } from '@tsbuild/layerstore';

export type ChangeKind = 'dir' | 'file' | 'symlink' | 'char' | 'block' | 'fifo' | 'whiteout' | 'opaque';

/** The lstat fields a layer entry needs (a full fs.Stats fits too; a compact copy keeps big layers small in memory). */
export interface FileMeta {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  nlink: number;
  dev: number;
  ino: number;
  rdev: number;
}

export function fileMeta(st: Stats): FileMeta {
  return { mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, mtimeMs: st.mtimeMs, nlink: st.nlink, dev: st.dev, ino: st.ino, rdev: st.rdev };
}

export interface Change {
  /** path in the layer, relative, no leading slash (for whiteouts: the deleted path; for opaque: the dir) */
  path: string;
  kind: ChangeKind;
  /** host path to read contents / link target / metadata from */
  host: string;
  st: FileMeta;
}

export interface EmitOptions { sourceDateEpoch?: number }

const WH = '.wh.';
const OPQ = '.wh..wh..opq';
const MAX_OCT6 = 0o777777;
/**
 * Latest mtime written in the ustar field (the header encoder writes `seconds | 0`), so from 2038 on
 * (and before 1970) the seconds go into a PAX `mtime` record instead (Go's archive/tar uses PAX before 1970).
 */
const MAX_USTAR_MTIME = 0x7fffffff;
const SMALL_FILE = 256 * 1024;

/** Stream the layer tar for `changes` (already ordered). Errors surface as the stream's 'error'. */
export function emitLayer(changes: Change[], opts: EmitOptions): Readable {
  const pack = new TarPack();
  write(pack, changes, opts).catch((err: unknown) => {
    pack.destroy(err as Error);
  });
  return pack;
}

async function write(pack: TarPack, changes: Change[], opts: EmitOptions): Promise<void> {
  const files = changes.map((c, i) => [c, i] as const).filter(([c]) => c.kind === 'file');
  const caps = await readXattrs(files.map(([c]) => ({ path: c.host, name: 'security.capability' })));
  const capByIndex = new Map<number, Buffer>();
  for (const [qi, value] of caps) capByIndex.set(files[qi]![1], value);
  const links = new Map<string, string>();

  for (const [i, c] of changes.entries()) {
    await pack.ready();
    const st = c.st;
    let mtime = Math.floor(st.mtimeMs / 1000);
    if (opts.sourceDateEpoch !== undefined) mtime = Math.min(mtime, opts.sourceDateEpoch);
    const base = {
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      mtime,
    };
    if (c.kind === 'whiteout') {
      // as Docker/BuildKit write them: mode 0600, the whiteout's owner and time
      const name = posix.join(posix.dirname(c.path), `${WH}${posix.basename(c.path)}`);
      await entry(pack, { ...base, mode: 0o600, name, type: 'file', size: 0 });
      continue;
    }
    if (c.kind === 'opaque') {
      // as Docker/BuildKit write them: the directory's permission bits and owner, mtime 0
      await entry(pack, { ...base, mode: st.mode & 0o777, mtime: 0, name: `${c.path}/${OPQ}`, type: 'file', size: 0 });
      continue;
    }
    if (c.kind === 'dir') {
      await entry(pack, { ...base, name: `${c.path}/`, type: 'directory', size: 0 });
      continue;
    }
    if (c.kind === 'symlink') {
      await entry(pack, { ...base, name: c.path, type: 'symlink', linkname: decodeName(await readlink(fsName(c.host), 'buffer')), size: 0 });
      continue;
    }
    if (c.kind === 'char' || c.kind === 'block' || c.kind === 'fifo') {
      await entry(pack, {
        ...base, name: c.path, size: 0,
        type: c.kind === 'char' ? 'character-device' : c.kind === 'block' ? 'block-device' : 'fifo',
        devmajor: major(st.rdev), devminor: minor(st.rdev),
      });
      continue;
    }
    // regular file
    if (st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = links.get(key);
      if (first !== undefined) {
        await entry(pack, { ...base, name: c.path, type: 'link', linkname: first, size: 0 });
        continue;
      }
      links.set(key, c.path);
    }
    await entry(pack, { ...base, name: c.path, type: 'file', size: st.size }, c.host, capByIndex.get(i));
  }
  pack.finalize();
}

type Header = PackHeader & { mtime: number };

/** Write one entry (and its contents from `source`). */
async function entry(pack: TarPack, header: Header, source?: string, capability?: Buffer): Promise<void> {
  const records: [string, string | Buffer][] = [];
  if (capability) records.push(['SCHILY.xattr.security.capability', capability]);
  if ((header.uid ?? 0) > MAX_OCT6) records.push(['uid', String(header.uid)]);
  if ((header.gid ?? 0) > MAX_OCT6) records.push(['gid', String(header.gid)]);
  const mtimeSec = header.mtime;
  // as Go's archive/tar (BuildKit's differ) writes it: `mtime=-86400` in PAX, 0 in the ustar field
  const mtimeOutOfRange = mtimeSec < 0 || mtimeSec > MAX_USTAR_MTIME;
  if (mtimeOutOfRange) records.push(['mtime', String(mtimeSec)]);
  // a name or link target with non-UTF-8 bytes: the PAX record carries its exact bytes, as Go's
  // archive/tar does
  const rawPath = hasEscapes(header.name);
  const rawLink = header.linkname !== undefined && hasEscapes(header.linkname);
  if (records.length > 0 || rawPath || rawLink) {
    // this binary-safe PAX header carries path/linkpath too, so the header after it gets ASCII stand-ins
    records.unshift(['path', rawPath ? encodeName(header.name) : header.name]);
    if (header.linkname) records.push(['linkpath', rawLink ? encodeName(header.linkname) : header.linkname]);
    pack.raw(paxEntry(records, mtimeOutOfRange ? 0 : mtimeSec));
    header = {
      ...header,
      ...(mtimeOutOfRange ? { mtime: 0 } : {}),
      name: asciiStub(header.name, header.type === 'directory'),
      linkname: header.linkname ? asciiStub(header.linkname, false) : undefined,
      uid: (header.uid ?? 0) > MAX_OCT6 ? 0 : header.uid,
      gid: (header.gid ?? 0) > MAX_OCT6 ? 0 : header.gid,
    };
  }
  if (header.type !== 'file' || !source || header.size === 0) {
    pack.entry(header);
    return;
  }
  if ((header.size ?? 0) <= SMALL_FILE) {
    // small files in one read: far cheaper than a stream per file for layers of many small files
    const body = readFileSync(fsName(source));
    if (body.length !== header.size) throw new Error(`${source} changed size while the layer was written`);
    pack.entry(header, body);
    return;
  }
  await pack.entryFrom({ ...header, size: header.size ?? 0 }, fsName(source));
}

/** A ustar-encodable stand-in name (the real one is in the PAX record). */
function asciiStub(name: string, dir: boolean): string {
  const clean = name.replace(/[^\x20-\x7e]/g, '_');
  const tail = clean.length > 90 ? clean.slice(-90) : clean;
  return dir && !tail.endsWith('/') ? `${tail}/` : tail;
}

function major(rdev: number): number {
  return Number((BigInt(rdev) >> 8n) & 0xfffn) | Number((BigInt(rdev) >> 32n) & ~0xfffn);
}

function minor(rdev: number): number {
  return Number(BigInt(rdev) & 0xffn) | Number((BigInt(rdev) >> 12n) & ~0xffn);
}
