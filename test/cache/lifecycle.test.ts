/**
 * What a build leaves behind: a fully cached build mounts nothing, runs nothing, unpacks nothing and
 * writes no blob; failed and cancelled builds leave a store the next build reuses correctly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions, type BuildResult } from '@tsbuild/builder';
import { exportCache, importCache } from '@tsbuild/builder/engine';
import { importBusybox, STORE_TMP, tempStore, type TempStore } from '../helpers/store.js';
import { makeContext, removeDir } from '../build/helpers.js';
import { CountingExecutor, CountingSnapshotter, blobList } from './helpers.js';

const cleanups: (() => void)[] = [];
afterAll(() => { for (const c of cleanups.reverse()) c(); });
async function storeB(): Promise<TempStore> {
  const t = await tempStore('life-');
  cleanups.push(t.cleanup);
  await importBusybox(t.store);
  return t;
}
function ctxOf(files: Record<string, string>): string {
  const d = makeContext(files);
  cleanups.push(() => removeDir(d));
  return d;
}
const flags = (r: BuildResult) => r.steps.filter((s) => !/^FROM /i.test(s.instruction)).map((s) => s.cached);
const mountsUnder = (root: string) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(root));
const dirEntries = (p: string) => { try { return readdirSync(p); } catch { return []; } };

let t: TempStore;
beforeAll(async () => { t = await storeB(); });

describe('a fully cached build', () => {
  const DF = 'FROM busybox AS dep\nRUN echo dep > /dep\nFROM busybox\nCOPY . /ctx/\nRUN cat /ctx/a.txt > /a\nCOPY --from=dep /dep /dep\nWORKDIR /srv\nRUN ls / > /srv/root\n';

  it('performs no mount, runs no process and writes no blob (same image)', async () => {
    const ctx = ctxOf({ 'a.txt': 'A', 'sub/b.txt': 'B' });
    const opts: BuildOptions = { context: ctx, store: t.store, network: 'none', dockerfileText: DF };
    const first = await build(opts);
    const exec = new CountingExecutor(t.store.tmpDir());
    const snap = new CountingSnapshotter();
    const before = blobList(t.root);
    const again = await build({ ...opts, executor: exec, snapshotter: snap });
    expect(flags(again).every(Boolean)).toBe(true);
    expect(exec.runs).toEqual([]);
    expect(snap.count).toBe(0);
    expect(blobList(t.root)).toEqual(before);
    expect(again.imageDigest).toBe(first.imageDigest);
    expect(again.contextBytesRead).toBe(0);
  });

  it('unpacks no base layer: a store seeded with the cache has no snapshot after the build', async () => {
    const ctx = ctxOf({ 'a.txt': 'A2' });
    const a = await storeB();
    const first = await build({ context: ctx, store: a.store, network: 'none', dockerfileText: DF });
    const dest = mkdtempSync(join(STORE_TMP, 'life-cache-'));
    cleanups.push(() => removeDir(dest));
    await exportCache(a.store, { result: first, dest, mode: 'max' });
    const b = await storeB();
    await importCache(b.store, { src: dest });
    const exec = new CountingExecutor(b.store.tmpDir());
    const snap = new CountingSnapshotter();
    const r = await build({ context: ctx, store: b.store, network: 'none', dockerfileText: DF, executor: exec, snapshotter: snap });
    expect(flags(r).every(Boolean)).toBe(true);
    expect(r.imageDigest).toBe(first.imageDigest);
    expect(exec.runs.length + snap.count).toBe(0);
    expect(dirEntries(join(b.root, 'snapshots'))).toEqual([]);
  });
});

describe('failed builds', () => {
  it('a RUN failing at step 3 leaves steps 1-2 cached; the fixed build runs only step 3', async () => {
    const ctx = ctxOf({});
    const bad = 'FROM busybox\nRUN echo two > /two\nRUN echo three && exit 1\n';
    await expect(build({ context: ctx, store: t.store, network: 'none', dockerfileText: bad })).rejects.toMatchObject({ code: 'E_EXEC_FAILED' });
    expect(mountsUnder(t.root)).toEqual([]);
    // the same failing build again: step 2 from cache, step 3 fails again
    const exec1 = new CountingExecutor(t.store.tmpDir());
    await expect(build({ context: ctx, store: t.store, network: 'none', dockerfileText: bad, executor: exec1 })).rejects.toMatchObject({ code: 'E_EXEC_FAILED' });
    expect(exec1.runs.map((a) => a.join(' '))).toEqual([expect.stringContaining('exit 1')]);
    const exec2 = new CountingExecutor(t.store.tmpDir());
    const fixed = await build({ context: ctx, store: t.store, network: 'none', dockerfileText: bad.replace('exit 1', 'exit 0'), executor: exec2 });
    expect(flags(fixed)).toEqual([true, false]);
    expect(exec2.runs.length).toBe(1);
    expect(await t.store.fsck()).toEqual([]);
  });
});

describe('cancelled builds', () => {
  it('AbortSignal during a sleeping RUN: E_CANCELLED fast, no mount left, fsck-clean, the next build reuses the steps before it', async () => {
    const ctx = ctxOf({ 'a.txt': `c ${Date.now()}` });
    const DF = 'FROM busybox\nCOPY a.txt /a.txt\nRUN echo before > /before\nRUN sleep 3 && echo slept > /slept\nRUN echo after > /after\n';
    const ac = new AbortController();
    const exec = new CountingExecutor(t.store.tmpDir(), (spec) => {
      if (spec.args.join(' ').includes('sleep 3')) setTimeout(() => ac.abort(), 300);
    });
    const t0 = Date.now();
    await expect(build({ context: ctx, store: t.store, network: 'none', dockerfileText: DF, executor: exec, signal: ac.signal })).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(Date.now() - t0).toBeLessThan(2900 + 1500);
    expect(exec.runs.length).toBe(2);
    expect(mountsUnder(t.root)).toEqual([]);
    expect(await t.store.fsck()).toEqual([]);

    const exec2 = new CountingExecutor(t.store.tmpDir());
    const next = await build({ context: ctx, store: t.store, network: 'none', dockerfileText: DF, executor: exec2 });
    expect(flags(next)).toEqual([true, true, false, false]);
    expect(exec2.runs.length).toBe(2);
    const flat = next.steps.find((s) => s.instruction.startsWith('RUN sleep'))!;
    expect(flat.missReason).not.toBe('previous step changed');
    const third = await build({ context: ctx, store: t.store, network: 'none', dockerfileText: DF });
    expect(flags(third).every(Boolean)).toBe(true);
    expect(third.imageDigest).toBe(next.imageDigest);
    expect(await t.store.fsck()).toEqual([]);
  });

  it('cancelled while parallel stages run: the stage that finished is reused, the cancelled one runs again', async () => {
    const ctx = ctxOf({});
    const tag = Date.now();
    const DF = `FROM busybox AS slow\nRUN sleep 3 && echo slow${tag} > /slow\nFROM busybox AS fast\nRUN echo fast${tag} > /fast\nFROM busybox\nCOPY --from=fast /fast /fast\nCOPY --from=slow /slow /slow\n`;
    const ac = new AbortController();
    let fastDone = false;
    const exec = new CountingExecutor(t.store.tmpDir(), (spec) => {
      if (spec.args.join(' ').includes('sleep 3')) setTimeout(() => ac.abort(), 800);
    });
    await expect(build({ context: ctx, store: t.store, network: 'none', dockerfileText: DF, executor: exec, jobs: 2, signal: ac.signal, onEvent: (e) => {
      if (e.type === 'step-done' && e.name.includes(`fast${tag}`)) fastDone = true;
    } })).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(fastDone).toBe(true);
    expect(mountsUnder(t.root)).toEqual([]);
    expect(await t.store.fsck()).toEqual([]);
    const exec2 = new CountingExecutor(t.store.tmpDir());
    const next = await build({ context: ctx, store: t.store, network: 'none', dockerfileText: DF, executor: exec2, jobs: 2 });
    expect(next.steps.find((s) => s.instruction.includes(`fast${tag}`))!.cached).toBe(true);
    expect(next.steps.find((s) => s.instruction.includes('sleep 3'))!.cached).toBe(false);
    expect(exec2.runs.map((a) => a.join(' '))).toEqual([expect.stringContaining('sleep 3')]);
  });

  it('a signal already aborted before the build starts writes nothing', async () => {
    const ctx = ctxOf({ 'a.txt': 'pre' });
    const before = blobList(t.root);
    await expect(build({ context: ctx, store: t.store, network: 'none', dockerfileText: 'FROM busybox\nCOPY a.txt /pre.txt\n', signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(blobList(t.root)).toEqual(before);
  });
});

describe('steps that change nothing', () => {
  it('WORKDIR of an existing directory (empty layer) followed by a RUN builds and caches', async () => {
    const ctx = ctxOf({ a: 'x' });
    const DF = 'FROM busybox\nCOPY a /app/a\nWORKDIR /app\nRUN ls > /list\n';
    const first = await build({ context: ctx, store: t.store, network: 'none', dockerfileText: DF });
    expect(flags(first)).toEqual([false, false, false]);
    expect(flags(await build({ context: ctx, store: t.store, network: 'none', dockerfileText: DF }))).toEqual([true, true, true]);
  });
});
