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

export function defaultExecutor(options: BuildOptions, tmpDir: string): () => Promise<Executor> {
  if (options.executor) { const e = options.executor; return async () => e; }
  return lazy(async () => {
    const { UnshareExecutor } = await import('../exec/unshare.js');
    return new UnshareExecutor({ tmpDir });
  });
}

export function defaultSnapshotter(options: BuildOptions): () => Promise<Snapshotter> {
  if (options.snapshotter) { const s = options.snapshotter; return async () => s; }
  return lazy(async () => {
    const { OverlaySnapshotter } = await import('../snapshot/overlay.js');
    return new OverlaySnapshotter();
  });
}

export function defaultDiff(options: BuildOptions): () => Promise<DiffFn> {
  if (options.diff) { const d = options.diff; return async () => d; }
  return lazy(async () => {
    // the differ: overlay upperdir → OCI layer tar stream (whiteouts, opaque dirs)
    const { overlayDiff } = await import('../diff/overlay-diff.js');
    return overlayDiff;
  });
}
