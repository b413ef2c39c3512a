/**
 * benchmark(): cold, warm and incremental builds of one context, by tsbuild and optionally by
 * `docker build`, interleaved per scenario so both see the same machine state.
 *   cold         empty cache: a fresh tsbuild store (base image loaded by prepareStore), docker's build cache pruned + --no-cache
 *   warm         nothing changed since the previous build
 *   incremental  each `touch` path rewritten with new content before the build
 */
import { mkdtempSync, rmSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, nodeStartupMs, nodeStartupNoExtraCaMs } from './measure.js';
import { dockerAvailable, dockerDriver, tsbuildDriver, type BuilderDriver, type BuildRequest } from './builders.js';
import { defaultTouchPath, rewrite } from './touch.js';
import type { BenchOptions, BenchReport, RunSample, ScenarioName, ScenarioResult } from './types.js';

const BENCH_TAG = 'tsbuild-bench/image:latest';
const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/tsbuild');

export async function benchmark(opts: BenchOptions): Promise<BenchReport> {
  const runs = opts.runs ?? 3;
  const context = resolve(opts.context);
  const dockerfile = resolve(opts.dockerfile ?? join(context, 'Dockerfile'));
  const log = opts.onProgress ?? (() => {});
  const touch = opts.touch?.length ? opts.touch : [defaultTouchPath(context, readFileSync(dockerfile, 'utf8'))].filter((p): p is string => !!p);
  if (!touch.length) throw new Error('bench: no file to touch for the incremental scenario; pass --touch PATH');

  const scratch = mkdtempSync(join(tmpdir(), 'tsbuild-bench-'));
  let root = opts.root ?? join(scratch, 'store');
  const fixedRoot = !!opts.root;
  const drivers: BuilderDriver[] = [
    tsbuildDriver({
      // the bin itself (not `node BIN`) so its shebang's V8 flags apply, as for a user
      command: opts.tsbuildCommand ?? [BIN],
      root: () => root,
      extraArgs: opts.tsbuildArgs ?? [],
      metadataFile: join(scratch, 'metadata.json'),
    }),
  ];
  let dockerSkipped: string | undefined;
  if (opts.compareDocker) {
    const dockerPath = opts.dockerPath ?? '/usr/bin/docker';
    dockerSkipped = await dockerAvailable(dockerPath);
    if (dockerSkipped) log(`docker comparison skipped: ${dockerSkipped}`);
    else drivers.push(dockerDriver({ dockerPath }));
  }

  const samples = new Map<string, RunSample[]>();
  const add = (s: ScenarioName, b: string, r: RunSample): void => {
    const k = `${s}/${b}`;
    samples.set(k, [...(samples.get(k) ?? []), r]);
  };
  const req = (noCache: boolean, rss: boolean): BuildRequest => ({
    context, dockerfile, tag: BENCH_TAG, buildArgs: opts.buildArgs ?? {}, noCache, rss,
  });
  let counter = 0;
  try {
    for (let i = 0; i < runs; i++) {
      for (const d of drivers) {
        if (d.name === 'tsbuild' && !fixedRoot) {
          // A fresh store per cold run; a caller-given root is never wiped (cold = --no-cache there).
          root = join(scratch, `store-${i}`);
          mkdirSync(root, { recursive: true });
          await opts.prepareStore?.(root);
        }
        await d.resetCache();
        log(`cold ${i + 1}/${runs} ${d.name}`);
        add('cold', d.name, await d.build(req(true, !!opts.measureRss)));
      }
    }
    // One untimed build without --no-cache fills each builder's cache the normal way (BuildKit does
    // not always record cache for --no-cache builds); warm and incremental then reuse it.
    for (const d of drivers) {
      log(`prime ${d.name}`);
      await d.build(req(false, false));
    }
    for (let i = 0; i < runs; i++) {
      for (const d of drivers) {
        log(`warm ${i + 1}/${runs} ${d.name}`);
        add('warm', d.name, await d.build(req(false, false)));
      }
    }
    for (let i = 0; i < runs; i++) {
      const restore = rewrite(context, touch, ++counter);
      try {
        for (const d of drivers) {
          log(`incremental ${i + 1}/${runs} ${d.name}`);
          add('incremental', d.name, await d.build(req(false, false)));
        }
      } finally {
        if (i === runs - 1) restore();
      }
    }
  } finally {
    // the tag the runs gave is the benchmark's, not the user's: gone from the store and from docker
    for (const d of drivers) if (d.name === 'docker' || fixedRoot) await d.untag(BENCH_TAG).catch(() => undefined);
    if (!fixedRoot) rmSync(scratch, { recursive: true, force: true });
  }

  const results: ScenarioResult[] = [];
  for (const [k, xs] of samples) {
    const [scenario, builder] = k.split('/') as [ScenarioName, 'tsbuild' | 'docker'];
    const walls = xs.map((x) => x.wallMs);
    const last = xs[xs.length - 1]!;
    const pick = (f: (r: RunSample) => number | undefined): number | undefined => {
      const v = xs.map(f).filter((n): n is number => n !== undefined);
      return v.length ? median(v) : undefined;
    };
    results.push({
      scenario, builder, samples: xs,
      medianMs: median(walls), minMs: Math.min(...walls), maxMs: Math.max(...walls),
      stepsTotal: last.stepsTotal, stepsCached: last.stepsCached,
      hitRatio: last.stepsTotal ? last.stepsCached / last.stepsTotal : 0,
      contextBytesRead: pick((r) => r.contextBytesRead),
      bytesWritten: pick((r) => r.bytesWritten),
      peakRssKb: xs.map((r) => r.peakRssKb ?? 0).reduce((a, b) => Math.max(a, b), 0) || undefined,
    });
  }
  const ratios: BenchReport['ratios'] = {};
  for (const s of ['cold', 'warm', 'incremental'] as const) {
    const t = results.find((r) => r.scenario === s && r.builder === 'tsbuild');
    const d = results.find((r) => r.scenario === s && r.builder === 'docker');
    if (t && d) ratios[s] = t.medianMs / d.medianMs;
  }
  return { context, runs, nodeStartupMs: await nodeStartupMs(), nodeStartupNoExtraCaMs: await nodeStartupNoExtraCaMs(), results, ratios, dockerSkipped };
}

export function formatReport(r: BenchReport): string {
  const ms = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(2)}s` : `${x.toFixed(0)}ms`);
  const bytes = (x?: number): string => (x === undefined ? '-' : x > 1e6 ? `${(x / 1e6).toFixed(1)}MB` : x > 1e3 ? `${(x / 1e3).toFixed(1)}kB` : `${x}B`);
  const lines = [`context ${r.context}  runs ${r.runs}  node -e 0: ${ms(r.nodeStartupMs)}${r.nodeStartupNoExtraCaMs !== undefined ? ` (${ms(r.nodeStartupNoExtraCaMs)} without NODE_EXTRA_CA_CERTS)` : ''}${r.dockerSkipped ? `  (docker: ${r.dockerSkipped})` : ''}`];
  lines.push(['scenario', 'builder', 'median', 'min', 'max', 'cached/total', 'hit', 'ctx read', 'written', 'peak RSS'].map((h) => h.padEnd(14)).join(''));
  for (const x of r.results) {
    lines.push([
      x.scenario, x.builder, ms(x.medianMs), ms(x.minMs), ms(x.maxMs), `${x.stepsCached}/${x.stepsTotal}`,
      `${(x.hitRatio * 100).toFixed(0)}%`, bytes(x.contextBytesRead), bytes(x.bytesWritten), x.peakRssKb ? `${(x.peakRssKb / 1024).toFixed(0)}MB` : '-',
    ].map((c) => c.padEnd(14)).join(''));
  }
  for (const [s, v] of Object.entries(r.ratios)) lines.push(`ratio tsbuild/docker ${s}: ${v.toFixed(2)}x`);
  return lines.join('\n') + '\n';
}

