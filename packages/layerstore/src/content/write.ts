/**
 * Blob writer: stream to a temp file on the store's filesystem while hashing, fsync, verify,
 * rename to blobs/sha256/<hex>. A blob is visible under its digest only when its bytes hash to
 * it; a rename onto an existing digest is a success (content addressing makes them equal).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Digest } from '../types.js';
import type { StorePaths } from '../paths.js';
import { HashStream, LimitStream, toReadable } from '../util/streams.js';
import { fsyncPath, fsyncDir } from '../util/fs.js';
import { integrityError } from '../errors.js';

export interface WriteOptions {
  /** the digest the bytes must have; mismatch → E_INTEGRITY and nothing is stored */
  expected?: Digest;
  /** the declared size; more bytes → E_TOO_LARGE, fewer → E_INTEGRITY */
  size?: number;
}

export async function write(paths: StorePaths, data: Buffer | Readable, opts: WriteOptions = {}): Promise<{ digest: Digest; size: number }> {
  await mkdir(paths.tmp, { recursive: true });
  const tmp = paths.temp('blob');
  const hasher = new HashStream();
  const stages: NodeJS.ReadWriteStream[] = [];
  if (opts.size !== undefined) stages.push(new LimitStream(opts.size, 'blob'));
  try {
    await pipeline([toReadable(data), ...stages, hasher, createWriteStream(tmp, { flags: 'wx', mode: 0o644 })] as unknown as Parameters<typeof pipeline>[0][]);
    const digest = hasher.digest();
    const size = hasher.bytes;
    if (opts.expected && opts.expected !== digest) throw integrityError(`blob content hashes to ${digest}, expected ${opts.expected}`, { expected: opts.expected, actual: digest });
    if (opts.size !== undefined && opts.size !== size) throw integrityError(`blob has ${size} bytes, declared ${opts.size}`, { expected: opts.size, actual: size });
    await commit(paths, tmp, digest);
    return { digest, size };
  } finally {
    await rm(tmp, { force: true }).catch(() => {});
  }
}

/** fsync the finished temp file and rename it under its (already verified) digest. */
export async function commit(paths: StorePaths, tmp: string, digest: Digest): Promise<void> {
  const dest = paths.blob(digest);
  try {
    await stat(dest);
    return; // already there: content addressing makes the two equal
  } catch {
    /* not there yet */
  }
  await fsyncPath(tmp);
  await mkdir(paths.blobs, { recursive: true });
  await rename(tmp, dest);
  await fsyncDir(paths.blobs);
}
