/**
 * Reading a small file that someone else controls (an image's /etc/passwd and /etc/group, the
 * context's .dockerignore, the Dockerfile): only a regular file, only up to a cap.
 *
 * Why: readFile() on a FIFO blocks forever (on a thread-pool thread SIGTERM cannot interrupt: the
 * build hung until SIGKILL), and on a character device such as /dev/zero it reads until memory
 * runs out ("Invalid string length" after ~512 MB). So the file is opened with O_NONBLOCK (the open
 * of a FIFO then returns at once), fstat'ed on that fd (no race with a swap after a stat), refused
 * unless it is a regular file, and read to at most `max` bytes.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { BuildError } from '../errors.js';
import { fileKind, type FileKind } from './fileKind.js';

export interface ReadRegularOptions {
  /** what the file is, for the message ("the image's /etc/passwd") */
  what: string;
  /** largest accepted size in bytes */
  max: number;
  /** the path to name in messages, when not `path` (the in-image path rather than the host's) */
  shown?: string;
}

/** what a file that is not regular is, in a message */
const KIND_WORD: Record<FileKind, string> = { fifo: 'FIFO', char: 'character device', block: 'block device', socket: 'socket', dir: 'directory', symlink: 'symbolic link', file: 'special file' };

function kindOf(st: Stats): string {
  return KIND_WORD[fileKind(st)];
}

/**
 * The bytes of the regular file at `path`. Errors from open(2) (ENOENT, EISDIR, ELOOP …) are
 * thrown as they are, for the caller to map; a non-regular file is E_NOT_REGULAR, a bigger one
 * E_TOO_LARGE.
 */
export function readRegularFileSync(path: string, opts: ReadRegularOptions): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${path}'`), { code: 'EISDIR', path });
    if (!st.isFile()) throw new BuildError('E_NOT_REGULAR', `${opts.what}${opts.shown ? '' : ` (${path})`} is a ${kindOf(st)}, not a regular file`, { data: { path: opts.shown ?? path, kind: kindOf(st) } });
    if (st.size > opts.max) throw tooLarge(path, opts);
    const buf = Buffer.allocUnsafe(Math.min(st.size, opts.max) + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n === buf.length) {
        // it grew while we read: one byte over the cap decides
        if (n > opts.max) throw tooLarge(path, opts);
        break;
      }
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function tooLarge(path: string, opts: ReadRegularOptions): BuildError {
  return new BuildError('E_TOO_LARGE', `${opts.what}${opts.shown ? '' : ` (${path})`} is larger than ${opts.max} bytes`, { data: { path: opts.shown ?? path, max: opts.max } });
}
