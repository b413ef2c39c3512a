/**
 * `tsbuild bench` end to end: cold, warm and incremental scenarios on a real store, the JSON report's
 * step counts and bytes, the context restored afterwards, and a missing base image reported as a
 * bench error (not an internal one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchReport } from '@tsbuild/builder/engine';
import type { TempStore } from '../helpers/store.js';
import { tempStore } from '../helpers/store.js';
import { runTsbuild } from '../helpers/cli.js';
import { makeContext, removeDir, storeWithBusybox } from './helpers.js';

let t: TempStore;
let empty: TempStore;
let ctx: string;
const DOCKERFILE = 'FROM busybox\nRUN echo base > /base\nCOPY app/ /app/\nRUN cat /app/main.txt > /copied\n';

beforeAll(async () => {
  t = await storeWithBusybox();
  empty = await tempStore('bench-empty-');
  ctx = makeContext({ Dockerfile: DOCKERFILE, 'app/main.txt': 'hello\n', 'app/other.txt': 'x\n' });
});
afterAll(() => {
  t.cleanup();
  empty.cleanup();
  removeDir(ctx);
});

function scenario(r: BenchReport, name: string) {
  const s = r.results.find((x) => x.scenario === name && x.builder === 'tsbuild');
  expect(s, name).toBeDefined();
  return s!;
}

describe('tsbuild bench', () => {
  it('measures cold, warm and incremental builds and reports steps, hits and bytes as JSON', () => {
    const r = runTsbuild(['bench', '--runs', '1', '--json', '--root', t.root, ctx]);
    expect(r.stderr).not.toContain('internal error');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as BenchReport;
    expect(report.runs).toBe(1);
    expect(report.nodeStartupMs).toBeGreaterThan(0);
    const cold = scenario(report, 'cold');
    const warm = scenario(report, 'warm');
    const inc = scenario(report, 'incremental');
    expect([cold.stepsTotal, cold.stepsCached]).toEqual([3, 0]);
    expect([warm.stepsTotal, warm.stepsCached, warm.hitRatio]).toEqual([3, 3, 1]);
    expect(warm.bytesWritten).toBe(0);
    expect(warm.contextBytesRead).toBe(0);
    // the default touch path is the first file the last COPY reads: COPY and the RUN after it rebuild
    expect([inc.stepsTotal, inc.stepsCached]).toEqual([3, 1]);
    expect(inc.contextBytesRead).toBeGreaterThan(0);
    expect(inc.bytesWritten).toBeGreaterThan(0);
    // the context is given back as it was
    expect(readFileSync(join(ctx, 'app/main.txt'), 'utf8')).toBe('hello\n');
    // and the store has no tag of the benchmark's left (busybox is the user's)
    const images = runTsbuild(['images', '--root', t.root, '--json']);
    expect((JSON.parse(images.stdout) as { name: string }[]).map((i) => i.name).filter((n) => n.includes('tsbuild-bench'))).toEqual([]);
  });

  it('takes the store from TSBUILD_ROOT when no --root is given', () => {
    const r = runTsbuild(['bench', '--runs', '1', '--json', ctx], { env: { TSBUILD_ROOT: t.root } });
    expect(r.code).toBe(0);
    expect(scenario(JSON.parse(r.stdout) as BenchReport, 'warm').stepsCached).toBe(3);
  });

  it('says which build failed and why when the store lacks the base image', () => {
    const r = runTsbuild(['bench', '--runs', '1', '--root', empty.root, ctx]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('internal error');
    expect(r.stderr).toContain('is not in the store');
    expect(r.stderr).toMatch(/give it with --root DIR, or --load ARCHIVE.*\[E_BENCH\]/s);
  });
});
