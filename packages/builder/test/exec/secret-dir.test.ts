import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ownerTag, selfPidNamespace, selfStartTime } from '@tsbuild/layerstore';
import { deadSecretDirs, makeSecretDir, secretBase } from '../../src/exec/secret-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'secret-base-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('secret dirs', () => {
  test("named with the store's owner tag; the sweep finds those of gone owners only", () => {
    expect(secretBase({ TSBUILD_SECRETS_DIR: dir })).toBe(dir); // pinned for this process
    const ours = makeSecretDir('/nonexistent');
    expect(basename(ours)).toMatch(new RegExp(`^tsbuild-${ownerTag()}-\\w{6}$`));
    const dead = spawnSync('true').pid!;
    const start = selfStartTime();
    const ns = selfPidNamespace();
    const gone = [`tsbuild-${dead}-${start}-${ns}-aaaaaa`, `tsbuild-${process.pid}-${Number(start) + 1}-${ns}-bbbbbb`];
    const kept = [`tsbuild-${dead}-${start}-${Number(ns) + 1}-cccccc`, 'tsbuild-bundle-dddddd', 'other'];
    for (const n of [...gone, ...kept]) mkdirSync(join(dir, n));
    expect(deadSecretDirs().map((p) => basename(p)).sort()).toEqual([...gone].sort());
  });
});
