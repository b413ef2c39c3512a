import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { FileLock, processStart } from '../../src/lock/lockfile.js';
import { tempDir } from '../helpers.js';

let tmp: { dir: string; cleanup: () => void };
beforeEach(() => (tmp = tempDir()));
afterEach(() => tmp.cleanup());

describe('store lock', () => {
  it('breaks a lock left by a dead process at once', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(dead.stdout);
    expect(processStart(pid)).toBeUndefined();
    const path = join(tmp.dir, 'store.lock');
    writeFileSync(path, `${pid} 12345 deadbeef\n`);
    const lock = new FileLock(path, join(tmp.dir, 'tmp'));
    const t0 = Date.now();
    expect(await lock.with(async () => 'ran')).toBe('ran');
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(existsSync(path)).toBe(false);
  });

  it('a reused pid (same pid, other start time) counts as dead', async () => {
    const path = join(tmp.dir, 'store.lock');
    writeFileSync(path, `${process.pid} 1 reused\n`);
    expect(await new FileLock(path, join(tmp.dir, 'tmp')).with(async () => 1)).toBe(1);
  });

  it('waits for a live holder, then times out with E_LOCKED', async () => {
    const path = join(tmp.dir, 'store.lock');
    writeFileSync(path, `1 ${processStart(1)} init\n`);
    await expect(new FileLock(path, join(tmp.dir, 'tmp')).with(async () => 1, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'E_LOCKED' });
  });

  it('serialises callers within one process', async () => {
    const lock = new FileLock(join(tmp.dir, 'store.lock'), join(tmp.dir, 'tmp'));
    let inside = 0;
    let max = 0;
    await Promise.all(Array.from({ length: 20 }, () => lock.with(async () => {
      inside++;
      max = Math.max(max, inside);
      await new Promise((r) => setTimeout(r, 2));
      inside--;
    })));
    expect(max).toBe(1);
  });
});
