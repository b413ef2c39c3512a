/**
 * The solver's cache and ordering logic, unit-tested without root: build() over MemoryStore, a fake
 * executor, plain-directory snapshots and a listing "diff".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryStore } from '@tsbuild/layerstore/testing';
import { build, type BuildOptions } from '../../src/index.js';
import { contextDir, DirSnapshotter, FakeExecutor, listingDiff } from './fakes.js';

const stores: MemoryStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.dispose();
});

function setup(files: Record<string, string> = {}) {
  const store = new MemoryStore();
  stores.push(store);
  const context = contextDir(store.root, files);
  const opts = (executor: FakeExecutor, o: Partial<BuildOptions> = {}): BuildOptions => ({ context, store, executor, snapshotter: new DirSnapshotter(), diff: listingDiff, network: 'none', ...o });
  return { store, context, opts };
}

describe('solver with fakes (no root)', () => {
  it('runs each step once, then answers an identical rebuild from the cache without the executor', async () => {
    const { store, opts } = setup({ 'a.txt': 'A' });
    const text = 'FROM scratch\nENV X=1\nRUN first\nCOPY a.txt /a.txt\nRUN second\n';
    const ex1 = new FakeExecutor();
    const r1 = await build(opts(ex1, { dockerfileText: text }));
    expect(ex1.runs.map((r) => r.command)).toEqual(['first', 'second']);
    const layerSteps = (r: typeof r1) => r.steps.filter((s) => /^(RUN|COPY)/.test(s.instruction));
    expect(layerSteps(r1).map((s) => s.cached)).toEqual([false, false, false]);
    expect(store.layersWritten).toHaveLength(3);
    const ex2 = new FakeExecutor();
    const r2 = await build(opts(ex2, { dockerfileText: text }));
    expect(ex2.runs).toEqual([]);
    expect(r2.imageDigest).toBe(r1.imageDigest);
    expect(layerSteps(r2).map((s) => s.cached)).toEqual([true, true, true]);
    expect(store.layersWritten).toHaveLength(3);
  });

  it('a changed input misses from that step on; the steps before it still hit', async () => {
    const { context, opts } = setup({ 'a.txt': 'A' });
    const text = 'FROM scratch\nRUN first\nCOPY a.txt /a.txt\nRUN second\n';
    await build(opts(new FakeExecutor(), { dockerfileText: text }));
    writeFileSync(join(context, 'a.txt'), 'changed');
    const ex = new FakeExecutor();
    const r = await build(opts(ex, { dockerfileText: text }));
    expect(ex.runs.map((x) => x.command)).toEqual(['second']);
    const byInstr = Object.fromEntries(r.steps.map((s) => [s.instruction, s]));
    expect(byInstr['RUN first']?.cached).toBe(true);
    expect(byInstr['COPY a.txt /a.txt']?.cached).toBe(false);
    expect(byInstr['COPY a.txt /a.txt']?.missReason).toMatch(/a\.txt/);
    expect(byInstr['RUN second']?.cached).toBe(false);
  });

  it('a declared ARG keys the RUNs after it: a new --build-arg value misses, an undeclared one does not', async () => {
    const { opts } = setup();
    const text = 'FROM scratch\nARG V=1\nRUN echo $V\n';
    await build(opts(new FakeExecutor(), { dockerfileText: text }));
    const same = new FakeExecutor();
    await build(opts(same, { dockerfileText: text, buildArgs: { NOT_DECLARED: 'x' } }));
    const changed = new FakeExecutor();
    await build(opts(changed, { dockerfileText: text, buildArgs: { V: '2' } }));
    expect(same.runs).toEqual([]);
    expect(changed.runs.map((r) => [r.command, r.env.find((e) => e.startsWith('V='))])).toEqual([['echo $V', 'V=2']]);
  });

  it('--no-cache runs every step again; the result is the same image', async () => {
    const { opts } = setup();
    const text = 'FROM scratch\nRUN one\nRUN two\n';
    const a = await build(opts(new FakeExecutor(), { dockerfileText: text }));
    const ex = new FakeExecutor();
    const b = await build(opts(ex, { dockerfileText: text, noCache: true }));
    expect(ex.runs.map((r) => r.command)).toEqual(['one', 'two']);
    expect(b.image.layers.map((l) => l.diffID)).toEqual(a.image.layers.map((l) => l.diffID));
  });

  it('runs independent stages concurrently and a dependent stage after its dependency; unused stages not at all', async () => {
    const { opts } = setup();
    const text = [
      'FROM scratch AS a', 'RUN build-a',
      'FROM scratch AS b', 'RUN build-b',
      'FROM scratch AS unused', 'RUN never',
      'FROM a', 'RUN --mount=from=b,target=/b final',
    ].join('\n');
    const order: string[] = [];
    let release!: () => void;
    const bothStarted = new Promise<void>((r) => (release = r));
    const ex = new FakeExecutor(async (cmd) => {
      order.push(cmd);
      if (cmd.startsWith('build-')) {
        if (order.filter((c) => c.startsWith('build-')).length === 2) release();
        await bothStarted; // each waits for the other: only a concurrent schedule gets past this
      }
    });
    await build(opts(ex, { dockerfileText: text, jobs: 4 }));
    expect(order.slice(0, 2).sort()).toEqual(['build-a', 'build-b']);
    expect(order[2]).toBe('final');
    expect(order).not.toContain('never');
    expect(ex.maxConcurrent).toBe(2);
  });

  it('a failing RUN fails the build with E_EXEC_FAILED and caches nothing for it', async () => {
    const { store, opts } = setup();
    const text = 'FROM scratch\nRUN ok\nRUN broken\n';
    const ex = new FakeExecutor((cmd) => (cmd === 'broken' ? { exitCode: 3 } : undefined));
    const err = await build(opts(ex, { dockerfileText: text })).then(() => undefined, (e: unknown) => e as { code?: string });
    expect(err?.code).toBe('E_EXEC_FAILED');
    const again = new FakeExecutor();
    await build(opts(again, { dockerfileText: text }));
    expect(again.runs.map((r) => r.command)).toEqual(['broken']);
    expect(store.lookups.filter((l) => l.hit)).toHaveLength(1);
  });
});
