/** Build cache end to end: what busts a step and what does not; a fully cached build mounts nothing and writes no blob. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions } from '@tsbuild/builder';
import { CountingSnapshotter } from './counting.js';
import type { TempStore } from '../helpers/store.js';
import { makeContext, removeDir, storeWithBusybox } from './helpers.js';

function blobCount(root: string): number {
  let n = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name)) : n++;
  };
  walk(join(root, 'blobs'));
  return n;
}

let t: TempStore;
const dirs: string[] = [];
beforeAll(async () => {
  t = await storeWithBusybox();
});
afterAll(() => {
  t?.cleanup();
  for (const d of dirs) removeDir(d);
});

const cachedFlags = (steps: { name: string; cached: boolean }[]) => steps.filter((s) => !/\] FROM /.test(s.name)).map((s) => s.cached);

describe('build cache', () => {
  const dockerfile = 'FROM busybox\nCOPY src/ /src/\nRUN cat /src/app.ts > /out\n';

  it('a no-change rebuild is fully cached: no mount, no new blob, same image', async () => {
    const ctx = makeContext({ 'src/app.ts': 'v1', 'src/lib.ts': 'lib' });
    dirs.push(ctx);
    const opts: BuildOptions = { context: ctx, store: t.store, network: 'none', dockerfileText: dockerfile };
    const first = await build(opts);
    expect(cachedFlags(first.steps)).toEqual([false, false]);
    const snap = new CountingSnapshotter();
    const before = blobCount(t.root);
    const second = await build({ ...opts, snapshotter: snap });
    expect(cachedFlags(second.steps)).toEqual([true, true]);
    expect(snap.count).toBe(0);
    expect(blobCount(t.root)).toBe(before);
    expect(second.imageDigest).toBe(first.imageDigest);
  });

  it('mtime touch does not bust; content change and chmod do, with a reason', async () => {
    const ctx = makeContext({ 'src/app.ts': 'v1', 'src/lib.ts': 'lib' });
    dirs.push(ctx);
    const opts: BuildOptions = { context: ctx, store: t.store, network: 'none', dockerfileText: dockerfile };
    await build(opts);
    utimesSync(join(ctx, 'src/app.ts'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(cachedFlags((await build(opts)).steps)).toEqual([true, true]);
    chmodSync(join(ctx, 'src/lib.ts'), 0o600);
    const chmodded = await build(opts);
    expect(cachedFlags(chmodded.steps)).toEqual([false, false]);
    expect(chmodded.steps[1]!.missReason).toContain('src/lib.ts changed');
    writeFileSync(join(ctx, 'src/app.ts'), 'v2');
    const edited = await build(opts);
    expect(cachedFlags(edited.steps)).toEqual([false, false]);
    expect(edited.steps[1]!.missReason).toMatch(/app\.ts changed/);
    expect(edited.steps[2]!.missReason).toBe('previous step changed');
  });

  it('editing a .dockerignored file does not bust', async () => {
    const ctx = makeContext({ 'src/app.ts': 'v1', 'src/ignored.log': 'x', '.dockerignore': '**/*.log\n' });
    dirs.push(ctx);
    const opts: BuildOptions = { context: ctx, store: t.store, network: 'none', dockerfileText: dockerfile };
    await build(opts);
    writeFileSync(join(ctx, 'src/ignored.log'), 'changed');
    expect(cachedFlags((await build(opts)).steps)).toEqual([true, true]);
  });

  it('an ARG used only in stage B does not rebuild stage A; its change is the miss reason', async () => {
    const ctx = makeContext({});
    dirs.push(ctx);
    const text = 'FROM busybox AS a\nRUN echo a > /a\nFROM busybox AS b\nARG VERSION\nRUN echo $VERSION > /v\nCOPY --from=a /a /a\n';
    const opts: BuildOptions = { context: ctx, store: t.store, network: 'none', dockerfileText: text };
    await build({ ...opts, buildArgs: { VERSION: '1' } });
    const r = await build({ ...opts, buildArgs: { VERSION: '2' } });
    const byName = Object.fromEntries(r.steps.map((s) => [s.name.replace(/^\[(\S+) .*$/, '$1') + ':' + s.instruction, s]));
    expect(byName['a:RUN echo a > /a']!.cached).toBe(true);
    expect(byName['b:RUN echo $VERSION > /v']!.cached).toBe(false);
    expect(byName['b:RUN echo $VERSION > /v']!.missReason).toBe('ARG VERSION changed');
  });

  it('--no-cache and --no-cache-filter', async () => {
    const ctx = makeContext({});
    dirs.push(ctx);
    const text = 'FROM busybox AS a\nRUN echo a > /a\nFROM busybox AS b\nRUN echo b > /b\nCOPY --from=a /a /a\n';
    const opts: BuildOptions = { context: ctx, store: t.store, network: 'none', dockerfileText: text };
    await build(opts);
    expect((await build({ ...opts, noCache: true })).steps.filter((s) => !/FROM/.test(s.name)).every((s) => !s.cached)).toBe(true);
    const filtered = await build({ ...opts, noCache: ['b'] });
    expect(filtered.steps.find((s) => s.instruction === 'RUN echo a > /a')!.cached).toBe(true);
    expect(filtered.steps.find((s) => s.instruction === 'RUN echo b > /b')!.cached).toBe(false);
  });
});
