/** Small durable-filesystem helpers: fsync a path, atomic file replace, quiet removal. */
import { open, rename, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function fsyncPath(path: string): Promise<void> {
  const h = await open(path, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** fsync a directory so a rename inside it survives a power cut (best effort). */
export async function fsyncDir(dir: string): Promise<void> {
  try {
    await fsyncPath(dir);
  } catch {
    /* some filesystems refuse fsync on directories */
  }
}

/** Write `data` to `tmp`, fsync, rename over `dest`: readers see the old or the new file, never a mix. */
export async function atomicWriteFile(dest: string, data: string | Buffer, tmp: string): Promise<void> {
  await mkdir(dirname(tmp), { recursive: true });
  try {
    await writeFile(tmp, data, { flag: 'wx', mode: 0o644 });
    await fsyncPath(tmp);
    await rename(tmp, dest);
    await fsyncDir(dirname(dest));
  } finally {
    await rm(tmp, { force: true }).catch(() => {});
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}
