import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { deadScratch, ownerTag, ownerTagGone, ownScratchName, selfPidNamespace } from '../../src/gc/scratch.js';
import { selfStartTime } from '../../src/lock/lockfile.js';

let dir: string | undefined;
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

describe('owner tags', () => {
  test('pid, start time and pid namespace; gone when the pid is gone or was reused, undecided elsewhere', () => {
    const dead = spawnSync('true').pid!;
    const start = selfStartTime();
    const ns = selfPidNamespace();
    expect(ownerTag()).toBe(`${process.pid}-${start}-${ns}`);
    expect(ownerTagGone(`${ownerTag()}-x`)).toBe(false);
    expect(ownerTagGone(ownerTag())).toBe(false);
    expect(ownerTagGone(`${process.pid}-${Number(start) + 1}-${ns}`)).toBe(true);
    expect(ownerTagGone(`${dead}-${start}-${ns}-x`)).toBe(true);
    expect(ownerTagGone(`${dead}-${start}-${Number(ns) + 1}`)).toBe(false);
    expect(ownerTagGone(`${dead}-abc`)).toBeUndefined();
  });

  test('deadScratch judges per-process scratch by its tag', () => {
    dir = mkdtempSync(join(tmpdir(), 'scratch-'));
    const start = selfStartTime();
    const ns = selfPidNamespace();
    const reused = `proc-${process.pid}-${Number(start) + 1}-${ns}`;
    for (const n of [ownScratchName(), reused]) mkdirSync(join(dir, n));
    expect(deadScratch(dir).map((p) => basename(p))).toEqual([reused]);
  });
});
