export type * from "./exec/types.js";
export type * from "./types.js";
export { BuildError } from './errors.js';
export { benchmark, formatReport } from './bench/benchmark.js';
export type * from './bench/types.js';
export { build } from './build.js';
export { OverlaySnapshotter, type OverlaySnapshotterOptions } from './snapshot/overlay.js';
export { UnshareExecutor, type UnshareExecutorOptions, type RunResultWithStubs } from './exec/unshare.js';
export { overlayDiff, overlayChanges, type DiffOptions } from './diff/overlay-diff.js';
