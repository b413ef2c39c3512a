/** Reproducibility: cold builds in two different store roots. */
import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions, type BuildResult } from '@tsbuild/builder';
import { importBusybox, tempStore } from '../helpers/store.js';
import { makeContext, removeDir } from '../build/helpers.js';

const cleanups: (() => void)[] = [];
afterAll(() => { for (const c of cleanups.reverse()) c(); });

async function coldBuild(extra: Partial<BuildOptions> & { context: string; dockerfileText: string }): Promise<BuildResult> {
  const s = await tempStore('repro-');
  cleanups.push(s.cleanup);
  await importBusybox(s.store);
  return build({ store: s.store, network: 'none', ...extra });
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const DF = [
  'FROM busybox AS gen',
  'RUN mkdir -p /out/sub && echo gen > /out/sub/g && ln -s sub/g /out/link && touch -d @0 /out/old',
  'FROM busybox',
  'WORKDIR /srv',
  'COPY . /srv/ctx/',
  'COPY --chmod=600 --chown=12:34 a.txt /srv/a600',
  'RUN echo built > built.txt && mkdir -p /var/cache/x && date > /var/cache/x/stamp-free || true',
  'COPY --from=gen /out /srv/gen',
  'ENV X=1',
  'CMD ["sh"]',
  '',
].join('\n');

describe('reproducible builds', () => {
  it('SOURCE_DATE_EPOCH + rewriteTimestamp: two cold builds in two store roots give identical layers and image digest', async () => {
    const ctx = makeContext({ 'a.txt': 'A', 'dir/b.txt': 'B', 'dir/deep/c.sh': '#!/bin/sh\n' });
    cleanups.push(() => removeDir(ctx));
    chmodSync(join(ctx, 'dir/deep/c.sh'), 0o755);
    const text = DF.replace('date > /var/cache/x/stamp-free', 'echo fixed > /var/cache/x/stamp');
    const first = await coldBuild({ context: ctx, dockerfileText: text, sourceDateEpoch: 1700000000, rewriteTimestamp: true });
    await sleep(1100); // a different wall-clock second
    const second = await coldBuild({ context: ctx, dockerfileText: text, sourceDateEpoch: 1700000000, rewriteTimestamp: true });
    expect(second.image.layers.map((l) => l.digest)).toEqual(first.image.layers.map((l) => l.digest));
    expect(second.configDigest).toBe(first.configDigest);
    expect(second.imageDigest).toBe(first.imageDigest);
    expect(first.config.created).toBe('2023-11-14T22:13:20Z');
    // a different epoch gives a different image (the timestamps really are the epoch)
    const other = await coldBuild({ context: ctx, dockerfileText: text, sourceDateEpoch: 1700000001, rewriteTimestamp: true });
    expect(other.imageDigest).not.toBe(first.imageDigest);
  });

  it('without SOURCE_DATE_EPOCH identical inputs still give identical COPY layers', async () => {
    const ctx = makeContext({ 'a.txt': 'A', 'dir/b.txt': 'B', 'dir/deep/c': 'C' });
    cleanups.push(() => removeDir(ctx));
    // destinations whose parents exist (/): a directory created for a nested destination gets the
    // time of the build as its mtime, in BuildKit as here, so it is left out on purpose
    const text = 'FROM busybox\nRUN echo t > /t\nCOPY . /ctx/\nCOPY --chmod=600 --chown=12:34 a.txt /a600\nCOPY dir /dir2\nCOPY --link dir/deep /deep\n';
    const first = await coldBuild({ context: ctx, dockerfileText: text });
    await sleep(1100);
    const second = await coldBuild({ context: ctx, dockerfileText: text });
    const copyLayers = (r: BuildResult) => r.steps.filter((s) => s.instruction.startsWith('COPY ')).map((s) => [s.instruction, s.layer]);
    expect(copyLayers(first)).toHaveLength(4);
    expect(copyLayers(second)).toEqual(copyLayers(first));
    // the RUN layer is not reproducible without the epoch (its files carry the build's time): the
    // COPY layers above are equal although their parent states differ
    expect(second.steps.find((s) => s.instruction.startsWith('RUN'))!.layer).not.toBe(first.steps.find((s) => s.instruction.startsWith('RUN'))!.layer);
  });
});
