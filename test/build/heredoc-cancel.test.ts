/** Heredoc RUNs, cancellation through the AbortSignal, and concurrent stages. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from '@tsbuild/builder';
import type { TempStore } from '../helpers/store.js';
import { flatten, layerEntries, makeContext, removeDir, storeWithBusybox } from './helpers.js';

let t: TempStore;
const dirs: string[] = [];
beforeAll(async () => {
  t = await storeWithBusybox();
});
afterAll(() => {
  t?.cleanup();
  for (const d of dirs) removeDir(d);
});

const mounts = () => readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.includes(t.root)).length;

describe('heredocs', () => {
  it('runs RUN <<EOF bodies as scripts (with and without a shebang) and feeds redirections', async () => {
    const ctx = makeContext({});
    dirs.push(ctx);
    const text = [
      'FROM busybox',
      'RUN <<EOF',
      'echo one > /one',
      'echo two > /two',
      'EOF',
      'RUN <<EOF',
      '#!/bin/sh',
      'echo "$0" > /shebang',
      'EOF',
      'RUN cat <<EOF > /fed',
      'home=$HOME',
      'EOF',
      "RUN cat <<'EOF' > /quoted",
      'home=$HOME',
      'EOF',
      '',
    ].join('\n');
    const r = await build({ context: ctx, store: t.store, network: 'none', dockerfileText: text });
    const root = await flatten(t.store, r.image.layers);
    dirs.push(root);
    expect(readFileSync(join(root, 'one'), 'utf8')).toBe('one\n');
    expect(readFileSync(join(root, 'two'), 'utf8')).toBe('two\n');
    expect(readFileSync(join(root, 'shebang'), 'utf8')).not.toBe('');
    expect(readFileSync(join(root, 'fed'), 'utf8')).toBe('home=/root\n');
    expect(readFileSync(join(root, 'quoted'), 'utf8')).toBe('home=$HOME\n');
    for (const l of r.image.layers.slice(1)) expect(layerEntries(t.store, l).some((e) => e.includes('tsbuild-heredoc'))).toBe(false);
  });
});

describe('cancellation', () => {
  it('aborting kills the running step, fails with E_CANCELLED and leaves no mount or process', async () => {
    const ctx = makeContext({});
    dirs.push(ctx);
    const ac = new AbortController();
    const before = mounts();
    const p = build({
      context: ctx, store: t.store, network: 'none', signal: ac.signal,
      dockerfileText: 'FROM busybox\nRUN echo started && sleep 30 && echo never > /never\n',
      onEvent: (e) => { if (e.type === 'step-log' && e.data.includes('started')) ac.abort(); },
    });
    const t0 = Date.now();
    await expect(p).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(mounts()).toBe(before);
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps).not.toContain('sleep 30 && echo never');
  });
});

describe('concurrent stages', () => {
  it('independent stages run at the same time with jobs=2', async () => {
    const ctx = makeContext({});
    dirs.push(ctx);
    const text = 'FROM busybox AS a\nRUN sleep 2 && echo a > /a\nFROM busybox AS b\nRUN sleep 2 && echo b > /b\nFROM busybox\nCOPY --from=a /a /a\nCOPY --from=b /b /b\n';
    const starts = new Map<string, number>();
    const dones = new Map<string, number>();
    const ids = new Map<string, string>();
    const r = await build({
      context: ctx, store: t.store, network: 'none', jobs: 2, dockerfileText: text,
      onEvent: (e) => {
        if (e.type === 'step-start' && e.name.includes('RUN sleep')) { starts.set(e.stepId, Date.now()); ids.set(e.stepId, e.name); }
        if (e.type === 'step-done' && ids.has(e.stepId)) dones.set(e.stepId, Date.now());
      },
    });
    const root = await flatten(t.store, r.image.layers);
    dirs.push(root);
    expect(readFileSync(join(root, 'a'), 'utf8') + readFileSync(join(root, 'b'), 'utf8')).toBe('a\nb\n');
    // the two RUN steps overlap in time: each starts before the other one is done
    const [x, y] = [...ids.keys()];
    expect(starts.get(y!)!).toBeLessThan(dones.get(x!)!);
    expect(starts.get(x!)!).toBeLessThan(dones.get(y!)!);
    const runs = r.steps.filter((s) => s.instruction.startsWith('RUN sleep'));
    expect(runs).toHaveLength(2);
  });
});
