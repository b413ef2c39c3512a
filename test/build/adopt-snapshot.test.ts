/**
 * A step's overlay upperdir becomes the new layer's snapshot (no unpacking of the blob it was just
 * written from): the snapshot of a build's LAST layer exists right after the build although no
 * later step needed it, keeps deletions as 0/0 character devices and opaque dirs as
 * trusted.overlay.opaque=y, and a later build's RUN on top of it sees exactly the right files.
 * Not adopted: --rewrite-timestamp layers (the tar's mtimes differ) and COPY --link layers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from '@tsbuild/builder';
import { chainIDs } from '@tsbuild/layerstore';
import { getXattr } from '@tsbuild/sys';
import type { LayerRef } from '@tsbuild/layerstore';
import type { TempStore } from '../helpers/store.js';
import { flatten, makeContext, removeDir, storeWithBusybox } from './helpers.js';

let t: TempStore;
const dirs: string[] = [];
beforeAll(async () => {
  t = await storeWithBusybox();
});
afterAll(() => {
  t?.cleanup();
  for (const d of dirs) removeDir(d);
});

function snapshotDir(layers: LayerRef[]): string {
  const chain = chainIDs(layers.map((l) => l.diffID));
  return join(t.root, 'snapshots', chain[chain.length - 1]!.slice('sha256:'.length));
}

const PREFIX = [
  'FROM busybox',
  'RUN mkdir -p /d/sub /keep && echo a > /d/a && echo k > /d/sub/k && echo x > /gone && echo kept > /keep/f',
  'RUN rm /gone && rm -rf /d && mkdir /d && echo new > /d/n',
].join('\n');

describe('adopted snapshots', () => {
  it('the last RUN layer has its snapshot right after the build, in overlay form (whiteout, opaque dir)', async () => {
    const ctx = makeContext({});
    dirs.push(ctx);
    const r = await build({ context: ctx, store: t.store, network: 'none', dockerfileText: `${PREFIX}\n` });
    const layers = r.image.layers;
    expect(layers).toHaveLength(3);
    const top = snapshotDir(layers);
    expect(existsSync(top)).toBe(true);
    const gone = lstatSync(join(top, 'gone'));
    expect(gone.isCharacterDevice()).toBe(true);
    expect(gone.rdev).toBe(0);
    expect(lstatSync(join(top, 'd')).isDirectory()).toBe(true);
    expect((await getXattr(join(top, 'd'), 'trusted.overlay.opaque'))?.toString()).toBe('y');
    expect(readdirSync(join(top, 'd'))).toEqual(['n']);
    // this layer's own changes only: nothing of the parent's /keep
    expect(existsSync(join(top, 'keep'))).toBe(false);
    // no scratch left behind in the store's tmp/ (a process's scratch is tmp/proc-<pid>-<start>/)
    const scratch = readdirSync(join(t.root, 'tmp')).flatMap((n) => (n.startsWith('proc-') ? readdirSync(join(t.root, 'tmp', n)).map((m) => `${n}/${m}`) : [n]));
    expect(scratch.filter((n) => n.includes('step-'))).toEqual([]);
  });

  it("a later build's RUN on the adopted snapshots sees the right files", async () => {
    const ctx = makeContext({});
    dirs.push(ctx);
    const r = await build({
      context: ctx, store: t.store, network: 'none',
      dockerfileText: `${PREFIX}\nRUN { test -e /gone && echo gone-visible; ls /d; cat /d/n /keep/f; test -e /d/sub && echo sub-visible; } > /seen 2>&1; true\n`,
    });
    expect(r.steps.filter((s) => s.cached).length).toBeGreaterThanOrEqual(2);
    const root = await flatten(t.store, r.image.layers);
    dirs.push(root);
    expect(readFileSync(join(root, 'seen'), 'utf8')).toBe('n\nnew\nkept\n');
  });

  it('is not used for --rewrite-timestamp layers, nor for COPY --link', async () => {
    const ctx = makeContext({ 'f.txt': 'f\n' });
    dirs.push(ctx);
    const r = await build({
      context: ctx, store: t.store, network: 'none', sourceDateEpoch: 1_700_000_000, rewriteTimestamp: true,
      dockerfileText: 'FROM busybox\nRUN echo sde > /sde\n',
    });
    expect(existsSync(snapshotDir(r.image.layers))).toBe(false);
    const l = await build({ context: ctx, store: t.store, network: 'none', dockerfileText: 'FROM busybox\nCOPY --link f.txt /usr/f.txt\n' });
    expect(existsSync(snapshotDir(l.image.layers))).toBe(false);
  });
});
