/** Small filesystem steps of a copy: metadata, scoped mkdir -p, special files. */
import { fsName } from '@tsbuild/layerstore';
import { sys } from '@tsbuild/sys';
import { execFile } from 'node:child_process';
import { chmod, lchown, lstat, lutimes, mkdir, stat } from 'node:fs/promises';
import { constants, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { hostTools } from '../exec/host-tools.js';

const run = promisify(execFile);

export interface DirMeta {
  /** permission bits for created dirs */
  mode: number;
  uid: number;
  gid: number;
}

/** mkdir -p of an absolute host path whose parents are inside the (already resolved) root; created dirs get `meta`. */
export async function mkdirAll(p: string, meta: DirMeta): Promise<void> {
  try {
    const st = await stat(fsName(p));
    if (st.isDirectory()) return;
    throw Object.assign(new Error(`mkdir ${p}: not a directory`), { code: 'ENOTDIR' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const parent = dirname(p);
  if (parent !== p) await mkdirAll(parent, meta);
  try {
    await mkdir(fsName(p), { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST' && (await stat(fsName(p))).isDirectory()) return;
    throw err;
  }
  await lchown(fsName(p), meta.uid, meta.gid);
  await chmod(fsName(p), meta.mode);
}

/** Owner, mode (not for symlinks) and times, in BuildKit's order (chown before chmod keeps setuid bits). */
export async function applyMeta(target: string, st: Stats, owner: { uid: number; gid: number }, mode: number | undefined): Promise<void> {
  await lchown(fsName(target), owner.uid, owner.gid);
  if (!st.isSymbolicLink()) await chmod(fsName(target), mode ?? st.mode & 0o7777);
  await setTimes(target, st);
}

export async function setTimes(target: string, st: Stats): Promise<void> {
  await lutimes(fsName(target), st.atimeMs / 1000, st.mtimeMs / 1000);
}

/**
 * Device nodes and FIFOs (Node has no mknod): mknod(2) through @tsbuild/sys — the name as its
 * exact bytes, no process per node — then chmod, as `mknod -m` sets the mode (the syscall's is
 * masked by the umask). mknod(1) only where @tsbuild/sys has no way (no addon, no perl).
 */
export async function makeSpecial(target: string, st: Stats): Promise<void> {
  if (!st.isFIFO() && !st.isCharacterDevice() && !st.isBlockDevice()) return;
  const fifo = st.isFIFO();
  const major = fifo ? 0 : Math.floor(st.rdev / 256) & 0xfff;
  const minor = fifo ? 0 : (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
  const s = sys();
  if (s) {
    await s.mknod([{ path: fsName(target), mode: (st.mode & constants.S_IFMT) | (st.mode & 0o7777), major, minor }]);
    await chmod(fsName(target), st.mode & 0o7777);
    return;
  }
  const mode = (st.mode & 0o7777).toString(8);
  if (fifo) await run(hostTools().mknod, ['-m', mode, target, 'p']);
  else await run(hostTools().mknod, ['-m', mode, target, st.isCharacterDevice() ? 'c' : 'b', String(major), String(minor)]);
}

export async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await lstat(fsName(p));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

export async function statOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await stat(fsName(p));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return undefined;
    throw err;
  }
}
