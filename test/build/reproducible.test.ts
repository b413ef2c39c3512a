/** Reproducibility and cache robustness across failed builds. */
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions } from '@tsbuild/builder';
import { openStore, type TempStore } from '../helpers/store.js';
import { makeContext, removeDir, storeWithBusybox } from './helpers.js';

const stores: TempStore[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const s of stores) s.cleanup();
  for (const d of dirs) removeDir(d);
});

describe('reproducible builds', () => {
  it('SOURCE_DATE_EPOCH + rewriteTimestamp: two cold builds in two stores give identical layers and image', async () => {
    const ctx = makeContext({ 'a.txt': 'A', 'src/b.txt': 'B' });
    dirs.push(ctx);
    const text = 'FROM busybox\nCOPY . /ctx/\nRUN mkdir -p /out && echo built > /out/x && touch /out/y\nWORKDIR /w\n';
    const results = [];
    for (let i = 0; i < 2; i++) {
      const s = await storeWithBusybox();
      stores.push(s);
      results.push(await build({ context: ctx, store: s.store, network: 'none', dockerfileText: text, sourceDateEpoch: 1700000000, rewriteTimestamp: true }));
      if (i === 0) await new Promise((r) => setTimeout(r, 1100)); // a different wall-clock second
    }
    expect(results[1]!.image.layers.map((l) => l.digest)).toEqual(results[0]!.image.layers.map((l) => l.digest));
    expect(results[1]!.imageDigest).toBe(results[0]!.imageDigest);
  });

  it('without SOURCE_DATE_EPOCH identical inputs still give identical COPY layers', async () => {
    const ctx = makeContext({ 'a.txt': 'A' });
    dirs.push(ctx);
    const text = 'FROM busybox\nCOPY a.txt /a.txt\n';
    const digests = [];
    for (let i = 0; i < 2; i++) {
      const s = await storeWithBusybox();
      stores.push(s);
      digests.push((await build({ context: ctx, store: s.store, dockerfileText: text })).image.layers[1]!.digest);
    }
    expect(digests[1]).toBe(digests[0]);
  });
});

describe('cache after a failed build', () => {
  it('the steps before a failure are reused by the next build', async () => {
    const s = await storeWithBusybox();
    stores.push(s);
    const ctx = makeContext({ 'a.txt': 'A' });
    dirs.push(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY a.txt /a.txt\nRUN echo ok > /ok\nRUN exit 1\n');
    const opts: BuildOptions = { context: ctx, store: s.store, network: 'none' };
    await expect(build(opts)).rejects.toMatchObject({ code: 'E_EXEC_FAILED' });
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY a.txt /a.txt\nRUN echo ok > /ok\nRUN true\n');
    const r = await build(opts);
    expect(r.steps.filter((x) => !/FROM/.test(x.name)).map((x) => x.cached)).toEqual([true, true, false]);
  });
});

describe('concurrent builds on one store', () => {
  it('two builds of related Dockerfiles at the same time (separate store handles) both succeed and share steps', async () => {
    const s = await storeWithBusybox();
    stores.push(s);
    const ctx = makeContext({ 'a.txt': 'A' });
    dirs.push(ctx);
    const common = 'FROM busybox\nCOPY a.txt /a.txt\nRUN echo shared > /shared\n';
    const [x, y] = await Promise.all([
      build({ context: ctx, store: await openStore(s.root), network: 'none', dockerfileText: `${common}RUN echo x > /x\n` }),
      build({ context: ctx, store: await openStore(s.root), network: 'none', dockerfileText: `${common}RUN echo y > /y\n` }),
    ]);
    expect(x.image.layers.length).toBe(4);
    expect(y.image.layers.length).toBe(4);
    const again = await build({ context: ctx, store: await openStore(s.root), network: 'none', dockerfileText: `${common}RUN echo z > /z\n` });
    expect(again.steps.filter((st) => !/FROM/.test(st.name)).map((st) => st.cached)).toEqual([true, true, false]);
  });
});
