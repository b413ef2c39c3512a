/**
 * What a build killed with SIGKILL left behind, found and removed by the next run on the store and
 * by `prune`: its scratch dir under ROOT/tmp (steps, overlay mounts, RUN mount scratch, exports:
 * layerstore gc/scratch.ts) — its mounts unmounted first — and its secret copies on tmpfs
 * (exec/secret-dir.ts). Owners are told dead by pid + start time, as the store lock does.
 * Its processes are not here: they died with it (the unshare executor's parent-death signal).
 *
 * On the warm path this is two readdir(2) calls and nothing else.
 */
import { rm } from 'node:fs/promises';
import { mountsUnder, type LayerStore } from '@tsbuild/layerstore';
import { deadSecretDirs } from '../exec/secret-dir.js';
import { unmount } from './overlay.js';

export interface ReapStats { scratchDirs: number; mounts: number; secretDirs: number; busy: string[] }

interface Reapable { deadScratch(): string[]; removeScratch(dirs: string[]): Promise<{ removed: string[]; busy: string[] }> }

export async function reapDeadBuilds(store: LayerStore): Promise<ReapStats> {
  const stats: ReapStats = { scratchDirs: 0, mounts: 0, secretDirs: 0, busy: [] };
  const s = store as LayerStore & Partial<Reapable>;
  const dead = s.deadScratch?.() ?? [];
  if (dead.length > 0 && s.removeScratch) {
    for (const m of mountsUnder(dead)) {
      await unmount(m).then(() => stats.mounts++, () => undefined);
    }
    const r = await s.removeScratch(dead);
    stats.scratchDirs = r.removed.length;
    stats.busy = r.busy;
  }
  for (const d of deadSecretDirs()) {
    await rm(d, { recursive: true, force: true });
    stats.secretDirs++;
  }
  return stats;
}
