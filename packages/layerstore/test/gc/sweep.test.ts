/**
 * gc's sweep removes dead scratch under ROOT/tmp by the reaper's one rule (gc/scratch.ts
 * deadScratch): a per-process dir whose owner (pid + start time, same pid namespace) is gone, and a
 * temp entry named for a pid that no longer runs; never a live owner's, never a dir with something
 * mounted below it (the builder's reaper unmounts first).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ownScratchName, selfPidNamespace } from '../../src/gc/scratch.js';
import { selfStartTime } from '../../src/lock/lockfile.js';
import { storeForEachTest } from '../helpers.js';

/** a pid that ran and is gone (its number is not reused in the moments this test takes, in practice) */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(String(r.stdout).trim());
}

describe('sweep of ROOT/tmp', () => {
  const s = storeForEachTest();
  it('removes what dead processes left, keeps a live owner\'s', async () => {
    const tmp = join(s.store.root, 'tmp');
    const dead = deadPid();
    const names = {
      deadProc: `proc-${dead}-12345-${selfPidNamespace()}`,
      // the same pid and start time in another pid namespace: undecidable here, kept
      otherNs: `proc-${dead}-12345-1`,
      live: ownScratchName(),
      // this process, but an older start time: a reused pid, so its first owner is gone
      reused: `proc-${process.pid}-1-${selfPidNamespace()}`,
      deadTemp: `extract-${dead}-abc`,
      liveTemp: `extract-${process.pid}-abc`,
    };
    for (const n of Object.values(names)) {
      mkdirSync(join(tmp, n), { recursive: true });
      writeFileSync(join(tmp, n, 'f'), 'x'.repeat(10_000));
    }
    expect(selfStartTime()).not.toBe('1');
    const stats = await s.store.gc();
    const left = readdirSync(tmp);
    expect(left).not.toContain(names.deadProc);
    expect(left).not.toContain(names.reused);
    expect(left).not.toContain(names.deadTemp);
    expect(left).toEqual(expect.arrayContaining([names.otherNs, names.live, names.liveTemp]));
    expect(stats.bytesFreed).toBeGreaterThanOrEqual(3 * 10_000);
  });

  it.skipIf(process.getuid?.() !== 0)('keeps a dead dir with a mount below it (root: a tmpfs is mounted there)', async () => {
    const dir = join(s.store.root, 'tmp', `proc-${deadPid()}-12345-${selfPidNamespace()}`);
    mkdirSync(join(dir, 'm'), { recursive: true });
    expect(spawnSync('mount', ['-t', 'tmpfs', 'none', join(dir, 'm')]).status).toBe(0);
    try {
      writeFileSync(join(dir, 'm', 'inside'), 'keep me');
      await s.store.gc();
      expect(existsSync(join(dir, 'm', 'inside'))).toBe(true);
    } finally {
      spawnSync('umount', [join(dir, 'm')]);
    }
  });
});
