/**
 * A relative `--root` works for an image of many layers: past ~45 lowerdirs the overlay mount runs
 * in its scratch directory with short links (the mount options must fit in a page), where a
 * relative store path named nothing — `tsbuild --root store` failed at the ~48th layer with E_MOUNT
 * ENOENT. The store's root is made absolute when it is opened.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TSBUILD_BIN } from '../helpers/cli.js';
import { STORE_TMP, type TempStore } from '../helpers/store.js';
import { storeWithBusybox } from './helpers.js';

let t: TempStore;
let ctx: string;
beforeAll(async () => {
  t = await storeWithBusybox();
  mkdirSync(STORE_TMP, { recursive: true });
  ctx = mkdtempSync(join(STORE_TMP, 'relroot-'));
});
afterAll(() => {
  t?.cleanup();
  if (ctx) rmSync(ctx, { recursive: true, force: true });
});

describe('--root given as a relative path', () => {
  it('builds an image of 60 layers, then a RUN on them', () => {
    const lines = ['FROM busybox'];
    for (let i = 0; i < 60; i++) lines.push(`WORKDIR /w${i}`);
    lines.push('RUN pwd > /pwd');
    writeFileSync(join(ctx, 'Dockerfile'), `${lines.join('\n')}\n`);
    const out = join(ctx, 'out');
    const r = spawnSync(TSBUILD_BIN, ['build', '--root', basename(t.root), '-q', '--network', 'none', '-o', `type=local,dest=${out}`, ctx], { cwd: dirname(t.root), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(join(out, 'pwd'), 'utf8')).toBe('/w59\n');
    expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(t.root);
  }, 90_000);
});
