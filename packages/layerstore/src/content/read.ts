/** Blob readers. Small blobs (manifests, configs) are verified with ssri on every read. */
import { createReadStream, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import ssri from 'ssri';
import type { Digest } from '../types.js';
import type { StorePaths } from '../paths.js';
import { hexOf } from '../digest.js';
import { integrityError, notFound } from '../errors.js';
import { errno } from '../util/fs.js';

export function integrityOf(digest: Digest): string {
  return `sha256-${Buffer.from(hexOf(digest), 'hex').toString('base64')}`;
}

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
  if (!ssri.checkData(buf, integrityOf(digest))) throw integrityError(`blob ${digest} is corrupt`, { digest });
  return buf;
}

export function stream(paths: StorePaths, digest: Digest): Readable {
  return createReadStream(paths.blob(digest), { highWaterMark: 1 << 20 });
}
