/** Read /etc/passwd and /etc/group of a rootfs, resolving symlinks without leaving the rootfs. */
import { resolveInRootAsync } from '@tsbuild/layerstore';
import { readRegularFileSync } from '../io/readRegular.js';
import { parseGroup, parsePasswd } from './parse.js';
import type { GroupEntry, PasswdEntry } from './types.js';

/** /etc/passwd and /etc/group larger than this are refused (E_TOO_LARGE): they are read whole */
const MAX_BYTES = 16 << 20;

async function readScoped(rootfs: string, p: string): Promise<string | undefined> {
  try {
    // a FIFO or device put there by a RUN is refused, not read (it hung the build, or ate memory)
    return readRegularFileSync(await resolveInRootAsync(rootfs, p), { what: `the image's ${p}`, shown: p, max: MAX_BYTES }).toString('utf8');
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
