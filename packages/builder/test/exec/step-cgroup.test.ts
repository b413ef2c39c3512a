import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ownerTag, selfPidNamespace, selfStartTime } from '@tsbuild/layerstore';
import { createStepCgroup, sweepStepCgroups } from '../../src/exec/step-cgroup.js';

// a plain directory stands in for a cgroup v1 hierarchy: the sweep only lists names and rmdirs
let dir: string | undefined;
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

/** a pid that ran and is gone (reuse within the test is not a worry) */
function deadPid(): number {
  const r = spawnSync('true');
  return r.pid!;
}

describe('step cgroups', () => {
  test('named for the owner as the store scratch is: pid, start time, pid namespace', () => {
    dir = mkdtempSync(join(tmpdir(), 'step-cg-'));
    const cg = createStepCgroup({ devices: dir });
    expect(cg).toBeDefined();
    const names = readdirSync(dir);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(new RegExp(`^tsbuild-step-${ownerTag()}-[0-9a-f]{12}$`));
    expect(ownerTag()).toBe(`${process.pid}-${selfStartTime()}-${selfPidNamespace()}`);
  });

  test('the sweep removes those whose owner is gone, a reused pid included; keeps live and foreign ones', () => {
    dir = mkdtempSync(join(tmpdir(), 'step-cg-'));
    const start = selfStartTime();
    const ns = selfPidNamespace();
    const dead = deadPid();
    const names = {
      ours: `tsbuild-step-${ownerTag()}-aaaaaaaaaaaa`,
      deadOwner: `tsbuild-step-${dead}-${start}-${ns}-bbbbbbbbbbbb`,
      // our pid, another start time: a process that had our pid before us (the old pid-only test kept it)
      reusedPid: `tsbuild-step-${process.pid}-${Number(start) + 1}-${ns}-cccccccccccc`,
      // made in another pid namespace: its pid means nothing here
      otherNs: `tsbuild-step-${dead}-${start}-${Number(ns) + 1}-dddddddddddd`,
      // from before owner tags: its pid alone decides
      legacyDead: `tsbuild-step-${dead}-eeeeeeeeeeee`,
      legacyLive: `tsbuild-step-${process.pid}-ffffffffffff`,
      notOurs: 'other-cgroup',
    };
    for (const n of Object.values(names)) mkdirSync(join(dir, n));
    sweepStepCgroups({ devices: dir });
    const left = new Set(readdirSync(dir));
    expect(Object.fromEntries(Object.entries(names).map(([k, n]) => [k, left.has(n)]))).toEqual({
      ours: true, deadOwner: false, reusedPid: false, otherNs: true, legacyDead: false, legacyLive: true, notOurs: true,
    });
    expect(existsSync(join(dir, names.ours))).toBe(true);
  });
});
