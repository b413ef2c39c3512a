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

/** A scratch directory, or a getter that makes it only when first needed (a cached build needs none). */
export type ScratchDir = string | (() => string);
const scratchPath = (d: ScratchDir): string => (typeof d === 'function' ? d() : d);

export function defaultExecutor(options: BuildOptions, tmpDir: ScratchDir, info: (message: string) => void): () => Promise<Executor> {
  if (options.executor) { const e = options.executor; return async () => e; }
  return lazy(async () => {
    // --runtime: unshare (util-linux namespaces) by default, crun/runc when asked or needed
    const { detectExecutor } = await import('../exec/detect.js');
    const choice = detectExecutor({ runtime: options.runtime ?? 'auto', tmpDir: scratchPath(tmpDir) });
    info(choice.message);
    return choice.executor;
  });
}

export function defaultSnapshotter(options: BuildOptions, scratchDir: ScratchDir, info: (message: string) => void): () => Promise<Snapshotter> {
  if (options.snapshotter) { const s = options.snapshotter; return async () => s; }
  return lazy(async () => {
    // overlayfs unless the first mount fails and a probe mount says it cannot work here: then the
    // copying fallback (either way said in the progress output)
    const [{ AutoSnapshotter }, { sys }] = await Promise.all([import('../snapshot/auto.js'), import('@tsbuild/sys')]);
    // the first mount follows once the parents are unpacked: start the perl server (if that is the way) meanwhile
    sys()?.warm();
    return new AutoSnapshotter({ scratchDir: scratchPath(scratchDir), onChoice: info });
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
