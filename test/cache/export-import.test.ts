/** --cache-to / --cache-from end to end: build in store A, export, import into a fresh store B, rebuild fully cached. */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions } from '@tsbuild/builder';
import { exportCache, importCache, CACHE_MEDIA } from '@tsbuild/builder/engine';
import { importBusybox, tempStore, type TempStore } from '../helpers/store.js';
import { makeContext, removeDir } from '../build/helpers.js';
import { CountingExecutor, CountingSnapshotter, blobList } from './helpers.js';
import { mkdtempSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { STORE_TMP } from '../helpers/store.js';

const cleanups: (() => void)[] = [];
afterAll(() => { for (const c of cleanups) c(); });

async function freshStore(): Promise<TempStore> {
  const t = await tempStore('cacheio-');
  cleanups.push(t.cleanup);
  await importBusybox(t.store);
  return t;
}
function tmpDir(prefix: string): string {
  const d = mkdtempSync(join(STORE_TMP, prefix));
  cleanups.push(() => removeDir(d));
  return d;
}

const DOCKERFILE = [
  'FROM busybox AS deps',
  'RUN echo deps > /deps.txt',
  'FROM busybox',
  'ARG V=1',
  'COPY app.txt /app/app.txt',
  'RUN cat /app/app.txt > /app/out && echo $V >> /app/out',
  'COPY --from=deps /deps.txt /app/deps.txt',
  'WORKDIR /srv',
  'RUN ls /app > /srv/list',
  '',
].join('\n');

describe('cache export/import (OCI layout)', () => {
  const ctx = makeContext({ 'app.txt': 'hello\n' });
  cleanups.push(() => removeDir(ctx));
  const base = (t: TempStore, exec: CountingExecutor, snap?: CountingSnapshotter): BuildOptions => ({
    context: ctx, store: t.store, network: 'none', dockerfileText: DOCKERFILE, sourceDateEpoch: 1700000000, rewriteTimestamp: true, executor: exec, ...(snap ? { snapshotter: snap } : {}),
  });

  for (const mode of ['max', 'min'] as const) {
    it(`mode=${mode}: a fresh store with only the base image rebuilds ${mode === 'max' ? 'everything' : 'the final stage'} from the imported cache`, async () => {
      const a = await freshStore();
      const execA = new CountingExecutor(a.store.tmpDir());
      const first = await build(base(a, execA));
      expect(first.steps.filter((s) => !s.instruction.startsWith('FROM')).every((s) => !s.cached)).toBe(true);
      expect(execA.runs.length).toBe(3);

      const dest = tmpDir('cache-out-');
      const exported = await exportCache(a.store, { result: first, dest, mode });
      expect(existsSync(join(dest, 'oci-layout'))).toBe(true);
      const index = JSON.parse(readFileSync(join(dest, 'index.json'), 'utf8'));
      expect(index.manifests).toHaveLength(1);
      const manifest = JSON.parse(readFileSync(join(dest, 'blobs', 'sha256', index.manifests[0].digest.slice(7)), 'utf8'));
      expect(manifest.artifactType).toBe(CACHE_MEDIA.artifact);
      const recordDescs = manifest.layers.filter((l: { mediaType: string }) => l.mediaType === CACHE_MEDIA.record);
      const stepRecords = recordDescs.filter((l: { annotations: Record<string, string> }) => !l.annotations['dev.tsbuild.cache.key']!.startsWith('index-'));
      // max: deps RUN + COPY + RUN + COPY --from + WORKDIR + RUN; min: the final stage's 5
      expect(stepRecords).toHaveLength(mode === 'max' ? 6 : 5);
      // plus the position records (miss explanations) of every step but the first of each stage
      expect(recordDescs.length - stepRecords.length).toBe(4); // steps 3-6 of the final stage (step 2's parent is the FROM state, whose key StepRecord does not carry)
      expect(exported.records).toBe(recordDescs.length);
      // every blob in the layout hashes to its name
      for (const f of readdirSync(join(dest, 'blobs', 'sha256'))) {
        const { createHash } = await import('node:crypto');
        expect(createHash('sha256').update(readFileSync(join(dest, 'blobs', 'sha256', f))).digest('hex')).toBe(f);
      }

      const b = await freshStore();
      const imported = await importCache(b.store, { src: dest });
      expect(imported.records).toBe(exported.records);
      expect(imported.skipped).toEqual([]);
      // imported records are GC roots: a gc between import and build keeps what they need
      await b.store.gc();

      const execB = new CountingExecutor(b.store.tmpDir());
      const snapB = new CountingSnapshotter();
      const blobsBefore = blobList(b.root);
      const second = await build(base(b, execB, snapB));
      const cached = Object.fromEntries(second.steps.filter((s) => !s.instruction.startsWith('FROM')).map((s) => [s.instruction, s.cached]));
      if (mode === 'max') {
        expect(Object.values(cached).every(Boolean)).toBe(true);
        expect(execB.runs).toEqual([]);
        expect(snapB.count).toBe(0);
        // only the image's manifest and config are new
        expect(blobList(b.root).filter((x) => !blobsBefore.includes(x)).length).toBeLessThanOrEqual(2);
      } else {
        // min has no record for the side stage: its RUN runs again (same layer), everything in the final stage is cached
        expect(cached['RUN echo deps > /deps.txt']).toBe(false);
        expect(execB.runs.length).toBe(1);
        for (const [k, v] of Object.entries(cached)) if (k !== 'RUN echo deps > /deps.txt') expect(v, k).toBe(true);
      }
      expect(second.imageDigest).toBe(first.imageDigest);
      expect(second.image.layers.map((l) => l.digest)).toEqual(first.image.layers.map((l) => l.digest));
      expect(await b.store.fsck()).toEqual([]);

      // the imported position records explain a miss in B as A would have
      const changed = await build({ ...base(b, new CountingExecutor(b.store.tmpDir())), buildArgs: { V: '2' } });
      expect(changed.steps.find((s) => s.instruction.startsWith('RUN cat'))!.missReason).toBe('ARG V changed');
    });
  }

  it('mode=min follows FROM <stage>: the parent stage\'s steps are part of the final image and are exported', async () => {
    const text = 'FROM busybox AS build\nRUN echo b > /b\nFROM busybox AS side\nRUN echo s > /s\nFROM build\nCOPY --from=side /s /s\nRUN cat /b /s > /bs\n';
    const a = await freshStore();
    const first = await build({ ...base(a, new CountingExecutor(a.store.tmpDir())), dockerfileText: text });
    const dest = tmpDir('cache-fromstage-');
    await exportCache(a.store, { result: first, dest, mode: 'min' });
    const b = await freshStore();
    await importCache(b.store, { src: dest });
    const exec = new CountingExecutor(b.store.tmpDir());
    const r = await build({ ...base(b, exec), dockerfileText: text });
    const cached = Object.fromEntries(r.steps.filter((s) => !s.instruction.startsWith('FROM')).map((s) => [s.instruction, s.cached]));
    expect(cached).toEqual({ 'RUN echo b > /b': true, 'RUN echo s > /s': false, 'COPY --from=side /s /s': true, 'RUN cat /b /s > /bs': true });
    expect(exec.runs.length).toBe(1);
    expect(r.imageDigest).toBe(first.imageDigest);
  });

  it('a tampered layer blob is refused (E_INTEGRITY) and no record is imported', async () => {
    const a = await freshStore();
    const first = await build(base(a, new CountingExecutor(a.store.tmpDir())));
    const dest = tmpDir('cache-bad-');
    await exportCache(a.store, { result: first, dest, mode: 'min' });
    const victim = first.image.layers[first.image.layers.length - 1]!.digest;
    const path = join(dest, 'blobs', 'sha256', victim.slice(7));
    const bytes = readFileSync(path);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(path, bytes);

    const b = await freshStore();
    await expect(importCache(b.store, { src: dest })).rejects.toMatchObject({ code: 'E_INTEGRITY' });
    expect(await b.store.hasBlob(victim)).toBe(false);
    const exec = new CountingExecutor(b.store.tmpDir());
    const again = await build(base(b, exec));
    expect(again.steps.filter((s) => !s.instruction.startsWith('FROM') && s.instruction.startsWith('RUN')).every((s) => !s.cached)).toBe(true);
  });

  it('a tampered record blob is refused', async () => {
    const a = await freshStore();
    const first = await build(base(a, new CountingExecutor(a.store.tmpDir())));
    const dest = tmpDir('cache-badrec-');
    await exportCache(a.store, { result: first, dest, mode: 'min' });
    const index = JSON.parse(readFileSync(join(dest, 'index.json'), 'utf8'));
    const manifest = JSON.parse(readFileSync(join(dest, 'blobs', 'sha256', index.manifests[0].digest.slice(7)), 'utf8'));
    const rec = manifest.layers.find((l: { mediaType: string }) => l.mediaType === CACHE_MEDIA.record);
    const p = join(dest, 'blobs', 'sha256', rec.digest.slice(7));
    writeFileSync(p, readFileSync(p, 'utf8').replace('"createdAt":"', '"createdAt":"X'));
    const b = await freshStore();
    await expect(importCache(b.store, { src: dest })).rejects.toMatchObject({ code: 'E_INTEGRITY' });
  });

  it('a directory that is not a cache layout is E_CACHE_IMPORT', async () => {
    const b = await freshStore();
    await expect(importCache(b.store, { src: tmpDir('empty-') })).rejects.toMatchObject({ code: 'E_CACHE_IMPORT' });
  });

  it('re-exporting into the same dir replaces index.json and keeps blobs', async () => {
    const a = await freshStore();
    const first = await build(base(a, new CountingExecutor(a.store.tmpDir())));
    const dest = tmpDir('cache-re-');
    const e1 = await exportCache(a.store, { result: first, dest, mode: 'max' });
    const e2 = await exportCache(a.store, { result: first, dest, mode: 'max' });
    expect(e2.manifestDigest).toBe(e1.manifestDigest);
    expect(e2.bytesWritten).toBe(0);
    expect(readdirSync(dest).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
  });
});

describe('the cache layout is a plain OCI layout', () => {
  const hasSkopeo = spawnSync('skopeo', ['--version']).status === 0;
  it.skipIf(!hasSkopeo)('skopeo copies it (oci: → oci:) and the copy imports into a fresh store that then runs nothing', async () => {
    const ctx = makeContext({ 'a.txt': `skopeo ${Date.now()}` });
    cleanups.push(() => removeDir(ctx));
    const text = 'FROM busybox\nCOPY a.txt /a.txt\nRUN cat /a.txt > /b.txt\n';
    const a = await freshStore();
    const first = await build({ context: ctx, store: a.store, network: 'none', dockerfileText: text, sourceDateEpoch: 1700000000, rewriteTimestamp: true });
    const dest = tmpDir('cache-skopeo-');
    await exportCache(a.store, { result: first, dest, mode: 'max' });
    const copy = join(tmpDir('cache-skopeo-copy-'), 'layout');
    const r = spawnSync('skopeo', ['copy', '--quiet', `oci:${dest}:cache`, `oci:${copy}:cache`], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const b = await freshStore();
    expect((await importCache(b.store, { src: copy })).records).toBeGreaterThan(0);
    const exec = new CountingExecutor(b.store.tmpDir());
    const again = await build({ context: ctx, store: b.store, network: 'none', dockerfileText: text, sourceDateEpoch: 1700000000, rewriteTimestamp: true, executor: exec });
    expect(exec.runs).toEqual([]);
    expect(again.imageDigest).toBe(first.imageDigest);
  });
});
