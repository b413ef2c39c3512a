/** Counting wrappers around the real executor and snapshotter, and a store's blob listing. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StepRecord } from '@tsbuild/builder';
import { OverlaySnapshotter, UnshareExecutor, type Executor, type Mounted, type RunResult, type RunSpec, type Snapshotter } from '@tsbuild/builder/engine';

export class CountingSnapshotter implements Snapshotter {
  readonly name = 'counting-overlay';
  count = 0;
  private readonly inner = new OverlaySnapshotter();
  prepare(lowerdirs: string[], opts: { scratchDir: string }): Promise<Mounted> {
    this.count++;
    return this.inner.prepare(lowerdirs, opts);
  }
}

export class CountingExecutor implements Executor {
  readonly name = 'counting-unshare';
  runs: string[][] = [];
  private readonly inner: UnshareExecutor;
  constructor(tmpDir: string, private readonly onRun?: (spec: RunSpec) => void) {
    this.inner = new UnshareExecutor({ tmpDir });
  }
  run(spec: RunSpec): Promise<RunResult> {
    this.runs.push(spec.args);
    this.onRun?.(spec);
    return this.inner.run(spec);
  }
}

/** Sorted blob digests (hex) under a store root. */
export function blobList(root: string): string[] {
  try {
    return readdirSync(join(root, 'blobs', 'sha256')).sort();
  } catch {
    return [];
  }
}

/** Layer steps only (FROM lines dropped), as `instruction → cached`. */
export function cachedMap(steps: StepRecord[]): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const s of steps) if (!/^FROM /i.test(s.instruction)) out[`${s.name.replace(/^\[(\S+) .*$/, '$1')}: ${s.instruction}`] = s.cached;
  return out;
}

export function stepOf(steps: StepRecord[], instruction: string): StepRecord {
  const s = steps.find((x) => x.instruction === instruction);
  if (!s) throw new Error(`no step ${instruction} in ${steps.map((x) => x.instruction).join(' | ')}`);
  return s;
}
