/** Read /etc/passwd and /etc/group of a rootfs, resolving symlinks without leaving the rootfs. */
import { readFile } from 'node:fs/promises';
import { resolveInRootAsync } from '@tsbuild/layerstore';
import { parseGroup, parsePasswd } from './parse.js';
import type { GroupEntry, PasswdEntry } from './types.js';

async function readScoped(rootfs: string, p: string): Promise<string | undefined> {
  try {
    return await readFile(await resolveInRootAsync(rootfs, p), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'ELOOP') return undefined;
    throw err;
  }
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
