/**
 * The one module that knows the cache layout's paths and writes/reads its files: atomic writes
 * (tmp → rename; an existing blob of that digest is a success) and digest-checked reads.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Digest } from '@tsbuild/layerstore';
import { BuildError } from '../errors.js';

export const SHA256 = /^sha256:[0-9a-f]{64}$/;

export class CacheLayout {
  constructor(readonly dir: string) {}

  get blobsDir(): string { return join(this.dir, 'blobs', 'sha256'); }
  get indexPath(): string { return join(this.dir, 'index.json'); }
  get ociLayoutPath(): string { return join(this.dir, 'oci-layout'); }

  blobPath(digest: string): string {
    if (!SHA256.test(digest)) throw new BuildError('E_CACHE_IMPORT', `${this.dir}: invalid blob digest ${JSON.stringify(digest)}`);
    return join(this.blobsDir, digest.slice('sha256:'.length));
  }

  private tmp(name: string): string {
    return join(this.dir, `.tmp-${name}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  }

  async init(): Promise<void> {
    await mkdir(this.blobsDir, { recursive: true });
    await this.writeFileAtomic(this.ociLayoutPath, JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  }

  async writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
    const tmp = this.tmp('file');
    try {
      await writeFile(tmp, data, { flag: 'wx' });
      await rename(tmp, path);
    } finally {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  /** Store bytes under their digest; returns the bytes newly written (0 when already there). */
  async putBytes(data: Buffer): Promise<{ digest: Digest; size: number; written: number }> {
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}` as Digest;
    const path = this.blobPath(digest);
    if (await sizeOf(path) === data.length) return { digest, size: data.length, written: 0 };
    await this.writeFileAtomic(path, data);
    return { digest, size: data.length, written: data.length };
  }

  /** Copy a file in as blob `digest`, hashing on the way: a source that does not hash to it is refused. */
  async putFile(source: string, digest: Digest, size: number): Promise<number> {
    const path = this.blobPath(digest);
    if (await sizeOf(path) === size) return 0;
    const tmp = this.tmp('blob');
    try {
      const hash = createHash('sha256');
      let n = 0;
      const tap = new Transform({ transform(chunk: Buffer, _e, cb) { hash.update(chunk); n += chunk.length; cb(null, chunk); } });
      await pipeline(createReadStream(source), tap, createWriteStream(tmp, { flags: 'wx' }));
      const got = `sha256:${hash.digest('hex')}`;
      if (got !== digest || n !== size) throw new BuildError('E_INTEGRITY', `store blob ${digest} hashes to ${got} (${n} bytes, expected ${size})`);
      await rename(tmp, path);
      return n;
    } finally {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  /** Read a small blob (manifest, config, record) and check its digest and size. */
  async readVerified(digest: string, size?: number): Promise<Buffer> {
    const path = this.blobPath(digest);
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (err) {
      throw new BuildError('E_CACHE_IMPORT', `${this.dir}: blob ${digest} is missing`, { cause: err });
    }
    const got = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    if (got !== digest) throw new BuildError('E_INTEGRITY', `${this.dir}: blob ${digest} hashes to ${got}`, { data: { expected: digest, actual: got } });
    if (size !== undefined && size !== data.length) throw new BuildError('E_INTEGRITY', `${this.dir}: blob ${digest} has ${data.length} bytes, declared ${size}`);
    return data;
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}
