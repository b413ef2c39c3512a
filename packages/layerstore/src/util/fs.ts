/** Small durable-filesystem helpers: fsync a path, atomic file replace, quiet removal. */
import { open, rename, rm, stat, mkdir } from 'node:fs/promises';
import { statSync } from 'node:fs';
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

/**
 * Write `data` to `tmp`, fsync, rename over `dest`: readers see the old or the new file, never a mix.
 * The directories exist in an initialised store; they are only created when a call finds one
 * missing (each `mkdir -p` up front is two thread-pool round trips, on every small write).
 */
export async function atomicWriteFile(dest: string, data: string | Buffer, tmp: string): Promise<void> {
  try {
    await writeSynced(tmp, data);
    await renameInto(tmp, dest);
    await fsyncDir(dirname(dest));
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
}

/** Create `path` (it must not exist) holding `data`, fsynced; 0644. */
async function writeSynced(path: string, data: string | Buffer): Promise<void> {
  let h;
  try {
    h = await open(path, 'wx', 0o644);
  } catch (err) {
    if (errno(err) !== 'ENOENT') throw err;
    await mkdir(dirname(path), { recursive: true });
    h = await open(path, 'wx', 0o644);
  }
  try {
    await h.writeFile(data);
    await h.sync();
  } finally {
    await h.close();
  }
}

/** rename(2), creating the destination's directory when it is missing. */
export async function renameInto(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if (errno(err) !== 'ENOENT') throw err;
    await mkdir(dirname(to), { recursive: true });
    await rename(from, to);
  }
}

/**
 * Whether `path` exists, by a synchronous stat: one syscall, where the promise form costs a
 * thread-pool round trip (at a warm build's end, where it decides whether the image's config and
 * manifest blobs need writing, that wait showed in the build's time).
 */
export function existsNow(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
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
