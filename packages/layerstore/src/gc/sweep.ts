/** Sweep: delete what mark did not reach; report what was freed. */
import { lstat, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GcStats } from '../types.js';
import type { StorePaths } from '../paths.js';
import type { Marked } from './mark.js';
import { listRecords, removeRecord } from '../cache/records.js';
import { listUrlRecords, removeUrlRecord } from '../cache/urls.js';
import { OBSOLETE } from '../paths.js';
import { deadScratch, removeScratch } from './scratch.js';

async function du(path: string): Promise<number> {
  let st;
  try {
    st = await lstat(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.blocks * 512;
  let total = st.blocks * 512;
  for (const n of await readdir(path).catch(() => [] as string[])) total += await du(join(path, n));
  return total;
}

export async function sweep(paths: StorePaths, marked: Marked, opts: { dropCache: boolean }): Promise<GcStats> {
  const stats: GcStats = { blobsRemoved: 0, snapshotsRemoved: 0, cacheRecordsRemoved: 0, cacheMountsRemoved: 0, urlRecordsRemoved: 0, bytesFreed: 0 };
  const remove = async (p: string) => {
    stats.bytesFreed += await du(p);
    await rm(p, { recursive: true, force: true });
  };
  if (opts.dropCache) {
    for (const { file } of await listRecords(paths)) {
      stats.bytesFreed += (await stat(file).catch(() => undefined))?.size ?? 0;
      await removeRecord(file);
      stats.cacheRecordsRemoved++;
    }
    for (const { file } of await listUrlRecords(paths)) {
      stats.bytesFreed += (await stat(file).catch(() => undefined))?.size ?? 0;
      await removeUrlRecord(file);
      stats.urlRecordsRemoved++;
    }
    // cache mounts a running build holds stay (BuildKit keeps in-use cache mounts too)
    for (const hex of await readdir(paths.cacheMounts).catch(() => [] as string[])) {
      if (marked.mounts.has(`sha256:${hex}`)) continue;
      await remove(join(paths.cacheMounts, hex));
      stats.cacheMountsRemoved++;
    }
    // file hashes of build contexts: the next build rehashes what it reads
    await remove(paths.contextCache);
  }
  // earlier formats' homes (the data in them can no longer be read)
  for (const name of OBSOLETE) await remove(join(paths.root, name));
  for (const hex of await readdir(paths.blobs).catch(() => [] as string[])) {
    if (marked.blobs.has(`sha256:${hex}`)) continue;
    const file = join(paths.blobs, hex);
    stats.bytesFreed += (await stat(file).catch(() => undefined))?.size ?? 0;
    await rm(file, { force: true });
    stats.blobsRemoved++;
  }
  for (const hex of await readdir(paths.snapshots).catch(() => [] as string[])) {
    if (marked.snapshots.has(`sha256:${hex}`)) continue;
    await remove(join(paths.snapshots, hex));
    stats.snapshotsRemoved++;
  }
  // registry source hints (registry/sources.ts) of blobs that are gone
  for (const hex of await readdir(paths.sources).catch(() => [] as string[])) {
    if (!marked.blobs.has(`sha256:${hex}`)) await rm(join(paths.sources, hex), { force: true });
  }
  // scratch left by dead processes, by the reaper's rule (gc/scratch.ts deadScratch: pid + start
  // time, or a temp entry's pid); a dir with mounts below it stays for the builder's reaper, which
  // unmounts first (builder/src/snapshot/reap.ts; `tsbuild prune` runs it before this)
  await removeScratch(deadScratch(paths.tmp), remove);
  return stats;
}
