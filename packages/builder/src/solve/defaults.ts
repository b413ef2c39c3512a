/**
 * Default side effects, loaded lazily so a fully cached build never loads (or runs) the executor,
 * the snapshotter or the differ.
 */
import type { DiffFn, Executor, Snapshotter } from '../exec/types.js';
import type { BuildOptions } from '../types.js';

export function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= make());
}

export function defaultExecutor(options: BuildOptions, tmpDir: string, info: (message: string) => void): () => Promise<Executor> {
  if (options.executor) { const e = options.executor; return async () => e; }
  return lazy(async () => {
    // --runtime: unshare (util-linux namespaces) by default, crun/runc when asked or needed
    const { detectExecutor } = await import('../exec/detect.js');
    const choice = detectExecutor({ runtime: options.runtime ?? 'auto', tmpDir });
    info(choice.message);
    return choice.executor;
  });
}

export function defaultSnapshotter(options: BuildOptions, scratchDir: string, info: (message: string) => void): () => Promise<Snapshotter> {
  if (options.snapshotter) { const s = options.snapshotter; return async () => s; }
  return lazy(async () => {
    // overlayfs when a probe mount works here, else the copying fallback (said in the progress output)
    const { detectSnapshotter } = await import('../snapshot/detect.js');
    const choice = await detectSnapshotter({ scratchDir });
    info(choice.message);
    return choice.snapshotter;
  });
}

export function defaultDiff(options: BuildOptions): () => Promise<DiffFn> {
  if (options.diff) { const d = options.diff; return async () => d; }
  return lazy(async () => {
    // upperdir walk for overlay mounts, tree compare for the copying snapshotter
    const { diffLayer } = await import('../diff/diff-layer.js');
    return diffLayer;
  });
}
