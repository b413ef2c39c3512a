/**
 * Blob writer: stream to a temp file on the store's filesystem while hashing, fsync, verify,
 * rename to blobs/sha256/<hex>. A blob is visible under its digest only when its bytes hash to
 * it; a rename onto an existing digest is a success (content addressing makes them equal).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Digest } from '../types.js';
import type { StorePaths } from '../paths.js';
import { HashStream, LimitStream, toReadable } from '../util/streams.js';
import { atomicWriteFile, existsNow, fsyncPath, fsyncDir, renameInto } from '../util/fs.js';
import { integrityError, tooLarge } from '../errors.js';
import { sha256 } from '../digest.js';

export interface WriteOptions {
  /** the digest the bytes must have; mismatch → E_INTEGRITY and nothing is stored */
  expected?: Digest;
  /** the declared size; more bytes → E_TOO_LARGE, fewer → E_INTEGRITY */
  size?: number;
}

export async function write(paths: StorePaths, data: Buffer | Readable, opts: WriteOptions = {}): Promise<{ digest: Digest; size: number }> {
  if (Buffer.isBuffer(data)) return writeBuffer(paths, data, opts);
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

/**
 * Small in-memory blobs (configs, manifests, cache records): hash first, and when the digest is
 * already stored — every warm build's config and manifest — touch nothing. Otherwise one
 * write + fsync + rename, without a stream pipeline.
 */
async function writeBuffer(paths: StorePaths, data: Buffer, opts: WriteOptions): Promise<{ digest: Digest; size: number }> {
  const digest = sha256(data);
  const size = data.length;
  if (opts.size !== undefined && size > opts.size) throw tooLarge(`blob exceeds its limit of ${opts.size} bytes`, { limit: opts.size });
  if (opts.expected && opts.expected !== digest) throw integrityError(`blob content hashes to ${digest}, expected ${opts.expected}`, { expected: opts.expected, actual: digest });
  if (opts.size !== undefined && opts.size !== size) throw integrityError(`blob has ${size} bytes, declared ${opts.size}`, { expected: opts.size, actual: size });
  if (existsNow(paths.blob(digest))) return { digest, size };
  await atomicWriteFile(paths.blob(digest), data, paths.temp('blob'));
  return { digest, size };
}

/** fsync the finished temp file and rename it under its (already verified) digest. */
export async function commit(paths: StorePaths, tmp: string, digest: Digest): Promise<void> {
  const dest = paths.blob(digest);
  if (existsNow(dest)) return; // already there: content addressing makes the two equal
  await fsyncPath(tmp);
  await renameInto(tmp, dest);
  await fsyncDir(paths.blobs);
}
