/**
 * The dead-build reaper runs alongside a build (snapshot/reap.ts, started in build.ts): the context
 * loads and the steps solve while it works, it has finished before build() settles and before
 * anything is tagged, and its error is never lost — the build's error when the build succeeded
 * otherwise, a warning when the build failed for its own reason. build() over MemoryStore given a
 * reaper interface (no root).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '@tsbuild/layerstore/testing';
import { build, type BuildOptions } from '../../src/index.js';
import type { BuildEvent } from '../../src/types.js';
import { contextDir, DirSnapshotter, FakeExecutor, listingDiff } from '../solve/fakes.js';

const stores: MemoryStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.dispose();
});

/** A store with one dead build's scratch to remove, slowly (`ms`), or failing with `fail`. */
function reapingStore(opts: { ms: number; fail?: Error }) {
  const log: string[] = [];
  const store = Object.assign(new MemoryStore(), {
    deadScratch: () => ['/nonexistent/proc-1-1-1'],
    removeScratch: async (dirs: string[]) => {
      log.push('reap start');
      await new Promise((r) => setTimeout(r, opts.ms));
      log.push('reap end');
      if (opts.fail) throw opts.fail;
      return { removed: dirs, busy: [] };
    },
  });
  stores.push(store);
  const context = contextDir(store.root, { 'a.txt': 'A' });
  const events: BuildEvent[] = [];
  const options = (o: Partial<BuildOptions> = {}): BuildOptions => ({
    context, store, executor: new FakeExecutor((c) => (c === 'fail' ? { exitCode: 3 } : undefined)), snapshotter: new DirSnapshotter(), diff: listingDiff, network: 'none',
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'step-start') log.push(`step ${(e as { name: string }).name}`);
    },
    ...o,
  });
  return { store, options, log, events };
}

describe('the dead-build reaper alongside a build', () => {
  it('steps start while it works; it has finished (and said so) before build() resolves', async () => {
    const { options, log, events } = reapingStore({ ms: 300 });
    await build(options({ dockerfileText: 'FROM scratch\nCOPY a.txt /a.txt\n', tags: ['t:1'] }));
    expect(log[0]).toBe('reap start');
    expect(log.indexOf('reap end')).toBeGreaterThan(log.findIndex((l) => l.startsWith('step ')));
    expect(log).toContain('reap end');
    expect(events.some((e) => e.type === 'info' && /removed what 1 killed build\(s\) left/.test((e as { message: string }).message))).toBe(true);
  });

  it('its error fails an otherwise good build, before anything is tagged', async () => {
    const { store, options } = reapingStore({ ms: 50, fail: Object.assign(new Error('EACCES: permission denied, rmdir'), { code: 'EACCES' }) });
    await expect(build(options({ dockerfileText: 'FROM scratch\nCOPY a.txt /a.txt\n', tags: ['t:1'] }))).rejects.toThrow(/EACCES/);
    expect(await store.getImage('t:1')).toBeUndefined();
    expect(await store.listImages()).toEqual([]);
  });

  it('a build that fails for its own reason waits for it, throws its own error and shows the reaper\'s as a warning', async () => {
    const { options, log, events } = reapingStore({ ms: 300, fail: new Error('reaper broke') });
    await expect(build(options({ dockerfileText: 'FROM scratch\nRUN fail\n' }))).rejects.toMatchObject({ code: 'E_EXEC_FAILED' });
    expect(log).toContain('reap end');
    expect(events.some((e) => e.type === 'warning' && /reaper broke/.test((e as { message: string }).message))).toBe(true);
  });
});
