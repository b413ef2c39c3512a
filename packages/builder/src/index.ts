/**
 * The library's main API: build images, parse Dockerfiles, work with the image store, and the one
 * error family. Lower-level parts (executors, snapshotters, differs, cache import/export, the
 * benchmark) are in `./engine.ts` (`@tsbuild/builder/engine`, `tsbuild/engine`).
 */
export { build } from './build.js';
export type {
  BuildOptions,
  BuildResult,
  BuildEvent,
  StepStartEvent,
  StepCachedEvent,
  StepLogEvent,
  StepDoneEvent,
  StepErrorEvent,
  StepMissEvent,
  InfoEvent,
  WarningEvent,
  ExportEvent,
  TransferEvent,
  LintEvent,
  StepRecord,
  OutputSpec,
  SecretSpec,
  CacheImportSpec,
  CacheExportSpec,
  EventLocation,
  Entitlement,
  NamedContext,
  SshSpec,
  ExtraHost,
} from './types.js';
export type { Ulimit } from './exec/types.js';
export { parse, type ParseOptions } from '@tsbuild/parser';
export type { Dockerfile } from '@tsbuild/parser';
export { lint as check, type LintOptions as CheckOptions, type LintResult as CheckResult, type LintWarning } from '@tsbuild/parser';
export { Store, openStore } from './store/store.js';
export type {
  OpenStoreOptions,
  ImageInfo,
  ImageDetails,
  ArchiveFormat,
  SaveOptions,
  UnpackOptions,
  LoadOptions,
  LoadedImage,
  PruneOptions,
  PruneStats,
  FsckProblem,
} from './store/types.js';
export type { Digest, ImageRecord, ImageConfig, LayerRef, Manifest } from '@tsbuild/layerstore';
export { TsbuildError, ERROR_CODES, isErrorCode, type ErrorCode, type ErrorLocation, type TsbuildErrorOptions } from '@tsbuild/errors';
export { ParseError } from '@tsbuild/parser';
export { StoreError } from '@tsbuild/layerstore';
export { BuildError } from './errors.js';
