/**
 * Adopt a directory that already holds one layer in overlay form (a step's overlayfs upperdir:
 * deletions as 0/0 character devices, opaque dirs with trusted.overlay.opaque=y) as the snapshot
 * of that layer's chainID, instead of unpacking the blob that was just written from it again.
 *
 * Same protocol as extraction: a snapshot exists exactly when snapshots/<chainID> exists, and it
 * only ever appears there by one atomic rename from a directory on the same filesystem; a crash
 * before the rename leaves the dir in tmp/ (swept with tmp/), never a half-made snapshot. When
 * the snapshot is already there (another build, or an extraction that won), ours is left where it
 * is for the caller to remove, and `false` is returned.
 */
import { mkdir, rename } from 'node:fs/promises';
import type { LayerRef } from '../types.js';
import type { StorePaths } from '../paths.js';
import { chainIDs } from '../digest.js';
import { errno, exists, fsyncDir } from '../util/fs.js';

export interface AdoptContext {
  paths: StorePaths;
  /** in-process extractions by chainID: an adoption never races one of ours */
  inflight: Map<string, Promise<string>>;
  lease(items: string[]): Promise<void>;
}

/** `layers`: the whole chain, lowest first; `dir` holds the LAST layer's own changes. */
export async function adoptSnapshot(ctx: AdoptContext, layers: LayerRef[], dir: string): Promise<boolean> {
  if (layers.length === 0) return false;
  const chainID = chainIDs(layers.map((l) => l.diffID))[layers.length - 1]!;
  if (ctx.inflight.has(chainID)) return false;
  await ctx.lease([`snapshot ${chainID}`]);
  const dest = ctx.paths.snapshot(chainID);
  if (await exists(dest)) return false;
  await mkdir(ctx.paths.snapshots, { recursive: true });
  try {
    await rename(dir, dest);
  } catch (err) {
    const code = errno(err);
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false; // someone else's identical snapshot won
    throw err;
  }
  await fsyncDir(ctx.paths.snapshots);
  return true;
}

