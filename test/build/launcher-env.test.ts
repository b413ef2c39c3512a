/**
 * bin/tsbuild changes GLIBC_TUNABLES for Node's own start (huge pages for malloc's big blocks) and
 * tsbuild gives the caller's value back before anything reads it: a build sees the environment as
 * the user set it.
 */
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTsbuild } from '../helpers/cli.js';
import { restoreLauncherEnv } from '../../packages/builder/src/cli/env.js';

const dir = mkdtempSync(join(tmpdir(), 'tsb-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** the value a build sees for GLIBC_TUNABLES (through --build-arg NAME, which reads the environment) */
function seen(value: string | undefined): string {
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nARG GLIBC_TUNABLES\nLABEL t="$GLIBC_TUNABLES"\n');
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.GLIBC_TUNABLES;
  delete env.TSBUILD_NO_HUGETLB;
  if (value !== undefined) env.GLIBC_TUNABLES = value;
  const root = join(dir, 'store');
  const b = runTsbuild(['build', '--root', root, '--progress', 'quiet', '--build-arg', 'GLIBC_TUNABLES', '-t', 'env', dir], { env: { ...env, GLIBC_TUNABLES: value } });
  expect(b.stderr).toBe('');
  const i = runTsbuild(['inspect', '--root', root, 'env']);
  return JSON.parse(i.stdout)[0].Config.Labels.t;
}

describe('the launcher environment', () => {
  it('gives a build the caller\'s GLIBC_TUNABLES, set or not', () => {
    expect(seen('glibc.malloc.arena_max=2')).toBe('glibc.malloc.arena_max=2');
    expect(seen(undefined)).toBe('');
  });

  it('restoreLauncherEnv puts back what the launcher changed', () => {
    const unset: NodeJS.ProcessEnv = { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1', TSBUILD_ORIG_GLIBC_TUNABLES: '-' };
    restoreLauncherEnv(unset);
    expect(unset).toEqual({});
    const set: NodeJS.ProcessEnv = { GLIBC_TUNABLES: 'a=1:glibc.malloc.hugetlb=1:glibc.malloc.top_pad=16777216', TSBUILD_ORIG_GLIBC_TUNABLES: '+a=1' };
    restoreLauncherEnv(set);
    expect(set).toEqual({ GLIBC_TUNABLES: 'a=1' });
    const untouched: NodeJS.ProcessEnv = { GLIBC_TUNABLES: 'b=2' };
    restoreLauncherEnv(untouched);
    expect(untouched).toEqual({ GLIBC_TUNABLES: 'b=2' });
  });

  it('finds node on PATH as command -v does, and keeps the snapshot through a symlinked PATH directory', () => {
    const snapshot = existsSync(join(__dirname, '../../packages/builder/dist/startup/tsbuild.blob'));
    const nodeDir = dirname(realpathSync(process.execPath));
    const viaLink = join(dir, 'linked-bin');
    symlinkSync(nodeDir, viaLink);
    const empty = join(dir, 'empty-bin');
    mkdirSync(empty);
    // an empty component and a directory without node come first: both are skipped
    const r = runTsbuild(['--version'], { env: { PATH: `${empty}::${viaLink}:/usr/bin:/bin` } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(snapshot ? /startup snapshot/ : /^tsbuild /);
    const none = runTsbuild(['--version'], { env: { PATH: empty } });
    expect(none.code).toBe(127);
    expect(none.stderr).toContain('tsbuild: node not found on PATH');
  });
});
