/**
 * Unpacked snapshots, one directory per chainID, each holding only its own layer (overlay form).
 * Extraction: blob → verify digest → decompress → verify diffID → extract into tmp/ → rename.
 * Exactly once: an in-process map of in-flight extractions, and between processes the rename
 * (the loser of a race throws its copy away).
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import pLimit from 'p-limit';
import type { Digest, LayerRef } from '../types.js';
import type { StorePaths } from '../paths.js';
import { chainIDs } from '../digest.js';
import { HashStream } from '../util/streams.js';
import { decompress, mapZlibError } from '../layers/decompress.js';
import { extract } from './extract.js';
import { stream as blobStream } from '../content/read.js';
import { integrityError, notFound } from '../errors.js';
import { errno, fsyncDir } from '../util/fs.js';
import { onAbort } from '../util/abort.js';
import { PassThrough, type Readable } from 'node:stream';

export interface SnapshotContext {
  paths: StorePaths;
  inflight: Map<string, Promise<string>>;
  concurrency: number;
  /** called with every chainID before it is used (GC lease) */
  lease(items: string[]): Promise<void>;
  /** extraction worker threads (see ExtractOptions.writers; undefined: by the machine's load) */
  writers?: number;
}

export async function ensureSnapshots(ctx: SnapshotContext, layers: LayerRef[], opts: { signal?: AbortSignal } = {}): Promise<string[]> {
  const chain = chainIDs(layers.map((l) => l.diffID));
  await ctx.lease(chain.map((c) => `snapshot ${c}`));
  const limit = pLimit(ctx.concurrency);
  const results: Promise<string>[] = [];
  layers.forEach((layer, i) => {
    const lowers = async () => (await Promise.all(results.slice(0, i))).reverse();
    results.push(one(ctx, chain[i]!, layer, lowers, limit, opts.signal));
  });
  // settle everything before reporting (no extraction left running behind our back)
  const settled = await Promise.allSettled(results);
  const bad = settled.find((s) => s.status === 'rejected');
  if (bad) throw (bad as PromiseRejectedResult).reason;
  return settled.map((s) => (s as PromiseFulfilledResult<string>).value);
}

function one(ctx: SnapshotContext, chainID: Digest, layer: LayerRef, lowers: () => Promise<string[]>, limit: ReturnType<typeof pLimit>, signal?: AbortSignal): Promise<string> {
  const have = ctx.inflight.get(chainID);
  if (have) return have;
  const p = limit(async () => {
    const dest = ctx.paths.snapshot(chainID);
    try {
      await stat(dest);
      return dest;
    } catch {
      /* extract it */
    }
    signal?.throwIfAborted();
    await extractSnapshot(ctx.paths, layer, dest, lowers, ctx.writers, signal);
    return dest;
  }).finally(() => ctx.inflight.delete(chainID));
  ctx.inflight.set(chainID, p);
  return p;
}

export async function extractSnapshot(paths: StorePaths, layer: LayerRef, dest: string, lowers: () => Promise<string[]>, writers?: number, signal?: AbortSignal): Promise<void> {
  await mkdir(paths.tmp, { recursive: true });
  await mkdir(paths.snapshots, { recursive: true });
  const tmp = paths.temp('snapshot');
  await mkdir(tmp, { mode: 0o755 });
  try {
    await applyLayer(paths, layer, tmp, { mode: 'overlay', lowers, writers, signal });
    try {
      await rename(tmp, dest);
      await fsyncDir(paths.snapshots);
    } catch (err) {
      const code = errno(err);
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      // another process extracted it first: theirs is identical
    }
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}

/** Stream a layer blob into `dir`, verifying both its digest and its diffID. */
export async function applyLayer(paths: StorePaths, layer: LayerRef, dir: string, opts: { mode: 'overlay' | 'flatten'; lowers?: () => Promise<string[]>; writers?: number; signal?: AbortSignal }): Promise<void> {
  opts.signal?.throwIfAborted();
  const comp = new HashStream();
  const diff = new HashStream();
  let src;
  try {
    await stat(paths.blob(layer.digest));
    src = blobStream(paths, layer.digest);
  } catch {
    throw notFound(`layer blob ${layer.digest} is not in the store`, { digest: layer.digest });
  }
  const hashed = new PassThrough();
  // a cancel ends the read; the extraction then fails like on a truncated blob (the caller removes
  // the half-written directory)
  const detach = onAbort(opts.signal, (err) => src.destroy(err));
  try {
    await applyFrom(src, hashed, comp, diff, layer, dir, opts);
  } finally {
    detach();
  }
}

async function applyFrom(src: Readable, hashed: PassThrough, comp: HashStream, diff: HashStream, layer: LayerRef, dir: string, opts: { mode: 'overlay' | 'flatten'; lowers?: () => Promise<string[]>; writers?: number }): Promise<void> {
  const feeding = pipeline(src, comp, hashed);
  let stream: Readable;
  try {
    ({ stream } = await decompress(hashed));
  } catch (err) {
    hashed.destroy(err as Error);
    await feeding.catch(() => {});
    throw err;
  }
  const tapped = stream.pipe(diff);
  stream.on('error', (e) => tapped.destroy(e));
  // A failed extraction stops reading: the whole chain must be torn down with it, or `feeding`
  // waits forever on a full pipe that nobody drains — a promise that never settles, after which
  // Node found its event loop empty and exited 0 with half a snapshot (issue 18).
  const extracting = extract(tapped, dir, opts).catch((err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    hashed.destroy(e);
    stream.destroy(e);
    throw err;
  });
  const results = await Promise.allSettled([extracting, feeding]);
  for (const r of results) if (r.status === 'rejected') throw mapZlibError(r.reason);
  // drain whatever the tar parser left after the end-of-archive marker so the hash covers it all
  tapped.resume();
  await new Promise<void>((r) => (tapped.readableEnded ? r() : tapped.once('end', () => r())));
  if (comp.digest() !== layer.digest) throw integrityError(`layer blob ${layer.digest} is corrupt (hashes to ${comp.digest()})`, { digest: layer.digest });
  if (diff.digest() !== layer.diffID) throw integrityError(`layer ${layer.digest} has diffID ${diff.digest()}, expected ${layer.diffID}`, { digest: layer.digest });
}
