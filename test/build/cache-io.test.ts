/** --cache-to / --cache-from through build(): a fresh store seeded from an exported cache rebuilds fully cached. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { build } from '@tsbuild/builder';
import { STORE_TMP, type TempStore } from '../helpers/store.js';
import { CountingSnapshotter } from './counting.js';
import { makeContext, removeDir, storeWithBusybox } from './helpers.js';

const stores: TempStore[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const s of stores) s.cleanup();
  for (const d of dirs) removeDir(d);
});

describe('cache export/import', () => {
  it('a build on another store, seeded with --cache-from, runs nothing', async () => {
    const ctx = makeContext({ 'a.txt': 'A' });
    dirs.push(ctx);
    const cacheDir = join(mkdtempSync(join(STORE_TMP, 'cache-')), 'layout');
    dirs.push(cacheDir);
    const text = 'FROM busybox\nCOPY a.txt /a.txt\nRUN echo built > /b\n';
    const a = await storeWithBusybox();
    stores.push(a);
    const first = await build({ context: ctx, store: a.store, network: 'none', dockerfileText: text, cacheTo: [{ type: 'local', dest: cacheDir, mode: 'max' }] });
    const b = await storeWithBusybox();
    stores.push(b);
    const snap = new CountingSnapshotter();
    const second = await build({ context: ctx, store: b.store, network: 'none', dockerfileText: text, snapshotter: snap, cacheFrom: [{ type: 'local', src: cacheDir }] });
    expect(second.steps.filter((s) => !/FROM/.test(s.name)).map((s) => s.cached)).toEqual([true, true]);
    expect(snap.count).toBe(0);
    expect(second.image.layers.map((l) => l.digest)).toEqual(first.image.layers.map((l) => l.digest));
  });
});
