/**
 * Lower-level parts of the builder, for pipelines that assemble their own: the RUN executors,
 * snapshotters and layer differs `build()` injects by default (their interfaces are `Executor`,
 * `Snapshotter`, `DiffFn`), build-cache import/export, the benchmark. The Dockerfile parser, the
 * raw layer store and the syscalls Node lacks are here too, as the `parser`, `layerstore` and `sys`
 * namespaces (`sys.sys()?.backend` says whether the N-API addon or the perl fallback answers).
 */
export type * from './exec/types.js';
export { OverlaySnapshotter, type OverlaySnapshotterOptions } from './snapshot/overlay.js';
export { UnshareExecutor, type UnshareExecutorOptions, type RunResultWithStubs } from './exec/unshare.js';
export { overlayDiff, overlayChanges, type DiffOptions } from './diff/overlay-diff.js';
export { CopySnapshotter, CopyMount, type BaseTree, type BaseEntry } from './snapshot/copy.js';
export { detectSnapshotter, type SnapshotterChoice } from './snapshot/detect.js';
export { treeDiff, treeChanges } from './diff/tree-diff.js';
export { diffLayer } from './diff/diff-layer.js';
export type { Change, ChangeKind } from './diff/emit.js';
export { RuncExecutor, type RuncExecutorOptions } from './exec/runc.js';
export { detectExecutor, type ExecutorChoice, type RuntimeName } from './exec/detect.js';
export { exportCache } from './cache-io/exportCache.js';
export { importCache } from './cache-io/importCache.js';
export { parseCacheSpec } from './cache-io/parseCacheSpec.js';
export { CACHE_MEDIA } from './cache-io/media.js';
export type * from './cache-io/types.js';
export { resolveInRoot } from '@tsbuild/layerstore';
export { withHome } from './exec/home.js';
export { benchmark, formatReport } from './bench/benchmark.js';
export type * from './bench/types.js';
export { describeImage } from './store/store.js';
export * as parser from '@tsbuild/parser';
export * as layerstore from '@tsbuild/layerstore';
export * as sys from '@tsbuild/sys';
