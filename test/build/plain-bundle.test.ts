/**
 * The plain bundle (what bin/tsbuild.js runs without a usable startup snapshot) is one ESM file: a
 * warm build opens no other module file of ours (esbuild's code splitting had a warm build load 51
 * chunks, each paying Node's per-file resolve and link; docs/warm-path.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TSBUILD_BIN } from '../helpers/cli.js';
import { STORE_TMP, type TempStore } from '../helpers/store.js';
import { makeContext, removeDir, storeWithBusybox } from './helpers.js';

const BUNDLE = resolve(__dirname, '../../packages/builder/dist/bundle');
let t: TempStore;
let ctx: string;
beforeAll(async () => {
  t = await storeWithBusybox();
  ctx = makeContext({ 'a.txt': 'a', Dockerfile: 'FROM busybox\nCOPY a.txt /a.txt\nRUN cat /a.txt\n' });
});
afterAll(() => { t?.cleanup(); if (ctx) removeDir(ctx); });

describe('the plain bundle', () => {
  it('is one file', () => {
    expect(readdirSync(BUNDLE).filter((f) => f.endsWith('.js'))).toEqual(['cli.js']);
  });

  it.skipIf(!existsSync('/usr/bin/strace'))('a warm build through it opens no other module of ours (strace)', () => {
    const env = { ...process.env, TSBUILD_NO_SNAPSHOT: '1' };
    const first = spawnSync(TSBUILD_BIN, ['build', '--root', t.root, '--progress', 'quiet', ctx], { env, encoding: 'utf8' });
    expect(first.status, first.stderr).toBe(0);
    const dir = mkdtempSync(join(STORE_TMP, 'strace-'));
    try {
      const trace = join(dir, 'trace');
      const r = spawnSync('/usr/bin/strace', ['-f', '-e', 'trace=openat,open', '-o', trace, TSBUILD_BIN, 'build', '--root', t.root, '--progress', 'plain', ctx], { env, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain('CACHED');
      const opened = new Set(readFileSync(trace, 'utf8').split('\n').filter((l) => !l.includes('ENOENT')).map((l) => /"([^"]+\.(?:m?js|cjs))"/.exec(l)?.[1]).filter((f): f is string => !!f && !f.includes('/node_modules/vitest')));
      const ours = [...opened].filter((f) => f.includes('/packages/'));
      expect(ours.map((f) => f.slice(f.indexOf('/packages/')))).toEqual(['/packages/builder/bin/tsbuild.js', '/packages/builder/dist/bundle/cli.js']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
