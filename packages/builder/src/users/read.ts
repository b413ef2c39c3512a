/**
 * Read /etc/passwd and /etc/group of a rootfs, resolving symlinks without leaving the rootfs. As
 * BuildKit's openUserFile: only a regular file counts (a FIFO planted there would block the build,
 * a device like /dev/zero never end), and more than 10 MiB is an error.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { BuildError } from '../errors.js';
import { resolveInRoot } from '@tsbuild/layerstore';
import { parseGroup, parsePasswd } from './parse.js';
import type { GroupEntry, PasswdEntry } from './types.js';

const MAX_USER_FILE = 10 << 20;

/** The file's text, or undefined when it is missing or not a regular file. */
export function readUserFile(rootfs: string, p: string): string | undefined {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: the resolved path has no link left
    fd = openSync(resolveInRoot(rootfs, p), constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'ELOOP' || code === 'ENXIO') return undefined;
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    if (st.size > MAX_USER_FILE) throw new BuildError('E_USER', `"${p}" exceeds ${MAX_USER_FILE} bytes`, { data: { path: p } });
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.toString('utf8', 0, off);
  } finally {
    closeSync(fd);
  }
}

async function readScoped(rootfs: string, p: string): Promise<string | undefined> {
  return readUserFile(rootfs, p);
}

/** undefined when the rootfs has no /etc/passwd */
export async function readPasswd(rootfs: string): Promise<PasswdEntry[] | undefined> {
  const t = await readScoped(rootfs, '/etc/passwd');
  return t === undefined ? undefined : parsePasswd(t);
}

/** undefined when the rootfs has no /etc/group */
export async function readGroup(rootfs: string): Promise<GroupEntry[] | undefined> {
  const t = await readScoped(rootfs, '/etc/group');
  return t === undefined ? undefined : parseGroup(t);
}
