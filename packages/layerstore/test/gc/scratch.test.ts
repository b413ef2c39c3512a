import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deadOwned, deadScratch, ownerTag, ownScratchName, selfPidNamespace } from '../../src/gc/scratch.js';

const dir = mkdtempSync(join(tmpdir(), 'tsb-owned-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** a pid above the kernel's pid_max cap: never running */
const GONE_PID = 4_194_305;

describe('owner-named scratch (the store scratch and the builder secret dirs share it)', () => {
  it('ownerTag is pid-start-namespace, the store scratch name is proc-<tag>', () => {
    expect(ownerTag()).toMatch(new RegExp(`^${process.pid}-\\d+-${selfPidNamespace()}$`));
    expect(ownScratchName()).toBe(`proc-${ownerTag()}`);
  });

  it('deadOwned lists only names whose owner is gone in our pid namespace; otherwise() judges the rest', () => {
    const ns = selfPidNamespace();
    for (const n of [`tsbuild-${ownerTag()}-abc`, `tsbuild-${GONE_PID}-1-${ns}-abc`, `tsbuild-${GONE_PID}-1-${ns}9-abc`, 'other-1', 'other-2']) mkdirSync(join(dir, n));
    const pattern = /^tsbuild-(\d+)-(\d+)-(\d+)-/;
    expect(deadOwned(dir, pattern)).toEqual([join(dir, `tsbuild-${GONE_PID}-1-${ns}-abc`)]);
    expect(deadOwned(dir, pattern, (n) => n === 'other-2').sort()).toEqual([join(dir, `tsbuild-${GONE_PID}-1-${ns}-abc`), join(dir, 'other-2')].sort());
    expect(deadOwned(join(dir, 'missing'), pattern)).toEqual([]);
  });

  it('deadScratch: dead proc-<tag> dirs and pid-named temp entries of gone pids, never our own', () => {
    const tmp = mkdtempSync(join(dir, 'tmp-'));
    const ns = selfPidNamespace();
    for (const n of [ownScratchName(), `proc-${GONE_PID}-1-${ns}`, `pull-${GONE_PID}-x`, `pull-${process.pid}-x`]) mkdirSync(join(tmp, n));
    expect(deadScratch(tmp).sort()).toEqual([join(tmp, `proc-${GONE_PID}-1-${ns}`), join(tmp, `pull-${GONE_PID}-x`)].sort());
  });
});
