/** Blob readers. Small blobs (manifests, configs) are verified on every read. */
import { createReadStream, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Digest } from '../types.js';
import type { StorePaths } from '../paths.js';
import { sha256 } from '../digest.js';
import { integrityError, notFound } from '../errors.js';
import { errno } from '../util/fs.js';

export async function read(paths: StorePaths, digest: Digest): Promise<Buffer> {
  let buf: Buffer;
  try {
    // synchronous: these are small (configs, manifests), and a thread-pool round trip per open,
    // stat, read and close costs more than the read itself
    buf = readFileSync(paths.blob(digest));
  } catch (err) {
    if (errno(err) === 'ENOENT') throw notFound(`blob ${digest} is not in the store`, { digest });
    throw err;
  }
  if (sha256(buf) !== digest) throw integrityError(`blob ${digest} is corrupt`, { digest });
  return buf;
}

export function stream(paths: StorePaths, digest: Digest): Readable {
  return createReadStream(paths.blob(digest), { highWaterMark: 1 << 20 });
}
