/**
 * Layer writer: ONE streaming pass over an uncompressed tar that hashes it (diffID), gzips it
 * (1 MiB blocks deflated in parallel on the thread pool, see gzipBlocks.ts) and hashes the
 * compressed bytes (digest) on the way to a temp blob; never the whole layer in memory. Optionally parses the tar on the way (import/load) so broken input stores nothing.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { LayerRef, LayerWriteOptions } from '../types.js';
import type { StorePaths } from '../paths.js';
import { HashStream } from '../util/streams.js';
import { commit } from '../content/write.js';
import { GzipBlocks } from './gzipBlocks.js';
import { TarCheck } from './tarcheck.js';
import { MEDIA } from '../images/media.js';

/** the store's own options on top of the public ones */
export interface WriteLayerOptions extends LayerWriteOptions {
  /** told the digest before the blob is committed (e.g. to learn whether it is already in the store) */
  beforeCommit?: (digest: LayerRef['digest']) => Promise<void> | void;
}

export async function writeLayer(paths: StorePaths, tarStream: Readable, opts: WriteLayerOptions = {}, beforeCommit?: (digest: LayerRef['digest']) => Promise<void>): Promise<LayerRef> {
  await mkdir(paths.tmp, { recursive: true });
  const tmp = paths.temp('layer');
  const diff = new HashStream();
  const comp = new HashStream();
  const stages: (NodeJS.ReadableStream | NodeJS.WritableStream)[] = [tarStream];
  if (opts.validate) stages.push(new TarCheck());
  // chunks go back to a producer that asks for them only when nothing between it and gzip keeps a
  // reference: the diffID hash reads each chunk at once, TarCheck's parser may not
  const release = opts.validate ? undefined : opts.releaseChunk;
  stages.push(diff, new GzipBlocks({ level: opts.compressionLevel ?? 6, release }), comp, createWriteStream(tmp, { flags: 'wx', mode: 0o644 }));
  try {
    await pipeline(stages as unknown as Parameters<typeof pipeline>[0][]);
    const digest = comp.digest();
    await opts.beforeCommit?.(digest);
    await beforeCommit?.(digest);
    await commit(paths, tmp, digest);
    return { digest, diffID: diff.digest(), size: comp.bytes, mediaType: MEDIA.ociLayerGzip };
  } finally {
    await rm(tmp, { force: true }).catch(() => {});
  }
}
