/**
 * `frontend`: BuildKit's Dockerfile integration scenarios (frontend-cases.json) built with tsbuild,
 * each in a fresh store under $TSBUILD_CONFORMANCE_WORKDIR (default /var/tmp), two at a time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaseResult, Suite } from '../types.js';
import type { FrontendCase } from '../frontend/types.js';
import { loadEngine } from '../frontend/engine.js';
import { runCase } from '../frontend/run-case.js';
import { busyboxRootfsTar } from '../frontend/base-image.js';

const PARALLEL = Number(process.env.TSBUILD_CONFORMANCE_JOBS ?? 2);

async function pool<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
  return out;
}

export const frontendSuite: Suite = {
  name: 'frontend',
  async run(corpusDir, opts): Promise<CaseResult[]> {
    const cases = JSON.parse(readFileSync(join(corpusDir, 'frontend-cases.json'), 'utf8')) as FrontendCase[];
    const only = process.env.TSBUILD_CONFORMANCE_CASE?.split(',').filter(Boolean);
    const selected = only ? cases.filter((c) => only.includes(c.name)) : cases;
    const engine = loadEngine();
    if (typeof engine === 'string') return selected.map((c) => ({ id: c.name, status: 'failed' as const, reason: engine }));
    busyboxRootfsTar({ corpusDir }); // build the cached base once, before the parallel workers
    return pool(selected, PARALLEL, async (c) => {
      const t0 = Date.now();
      const r = await runCase(c, {
        engine, corpusDir, workDir: process.env.TSBUILD_CONFORMANCE_WORKDIR ?? '/var/tmp', keep: !!process.env.TSBUILD_CONFORMANCE_KEEP,
      });
      if (opts.verbose) process.stderr.write(`frontend ${r.status} ${c.name} (${Date.now() - t0} ms)${r.reason ? `: ${r.reason}` : ''}\n`);
      return r;
    });
  },
};
