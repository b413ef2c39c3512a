/**
 * Exit 0 means the work is done: a command whose promise never settles (the event loop empties
 * with it pending) is an internal error with a non-zero exit naming what was pending — through
 * the launcher (startup snapshot) and the plain bundle. The fault is injected on purpose
 * (TSBUILD_TEST_FAULT=never-settle) since the real cases are fixed.
 * Also: outputs are all-or-nothing (no scratch left beside the destination after success).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTsbuild } from '../helpers/cli.js';
import { STORE_TMP, type TempStore } from '../helpers/store.js';
import { storeWithBusybox } from './helpers.js';

describe.each([
  ['launcher (startup snapshot)', {}],
  ['plain bundle', { TSBUILD_NO_SNAPSHOT: '1' }],
])('the pending-command guard through the %s', (_name, env) => {
  it('fires when the command promise never settles: exit 70, E_PENDING, naming what was pending', () => {
    const r = runTsbuild(['--root', '/nonexistent-never-used', 'images'], { env: { ...env, TSBUILD_TEST_FAULT: 'never-settle' } });
    expect(r.code).toBe(70);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('`tsbuild images` was still pending (last activity: TSBUILD_TEST_FAULT=never-settle)');
    expect(r.stderr).toContain('[E_PENDING]');
  });

  it('stays silent for a command that completes', () => {
    const r = runTsbuild(['--version'], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });
});

describe('outputs are written beside the destination and renamed into place', () => {
  let t: TempStore;
  let work: string;
  beforeAll(async () => {
    t = await storeWithBusybox();
    mkdirSync(STORE_TMP, { recursive: true });
    work = mkdtempSync(join(STORE_TMP, 'atomic-'));
  });
  afterAll(() => {
    t?.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('-o type=local into a new, an empty and a non-empty directory; -o type=tar over an old file', () => {
    const ctx = join(work, 'ctx');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo new > /marker\n');
    const out = join(work, 'out');
    mkdirSync(join(work, 'empty'));
    mkdirSync(join(work, 'full/etc'), { recursive: true });
    writeFileSync(join(work, 'full/etc/stale'), 'old');
    writeFileSync(join(work, 'full/keep'), 'mine');
    writeFileSync(join(work, 'fs.tar'), 'old tar');
    const r = runTsbuild(['build', '--root', t.root, '-q', '--network', 'none', '-o', `type=local,dest=${out}`, '-o', `type=local,dest=${join(work, 'empty')}`,
      '-o', `type=local,dest=${join(work, 'full')}`, '-o', `type=tar,dest=${join(work, 'fs.tar')}`, ctx]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const d of ['out', 'empty', 'full']) expect(readFileSync(join(work, d, 'marker'), 'utf8')).toBe('new\n');
    // merge: a top-level entry of the new tree replaces that entry; others stay
    expect(readFileSync(join(work, 'full/keep'), 'utf8')).toBe('mine');
    expect(readdirSync(join(work, 'full/etc'))).not.toContain('stale');
    expect(readFileSync(join(work, 'fs.tar')).subarray(0, 7).toString()).not.toBe('old tar');
    // no scratch left beside them
    expect(readdirSync(work).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('-o type=local onto an existing file is E_OUTPUT, and the file is left as it was', () => {
    const ctx = join(work, 'ctx2');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nENV A=1\n');
    writeFileSync(join(work, 'a-file'), 'mine');
    const r = runTsbuild(['build', '--root', t.root, '-q', '-o', `type=local,dest=${join(work, 'a-file')}`, ctx]);
    expect(r.stderr).toContain('[E_OUTPUT]');
    expect(r.code).toBe(1);
    expect(readFileSync(join(work, 'a-file'), 'utf8')).toBe('mine');
    expect(readdirSync(work).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});

