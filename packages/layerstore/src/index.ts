export type * from './types.js';
export { StoreError } from './errors.js';
export { Store, openStore, defaultRoot, type StoreOptions } from './store.js';
export { StorePaths, FORMAT } from './paths.js';
export { chainIDs, isDigest, sha256 } from './digest.js';
export { normalizeRef, parseReference, parseDockerRef, isValidReference, isValidTag, familiarName, familiarString, canonicalString, repositoryName, referenceError, DEFAULT_DOMAIN, type ImageReference } from './images/reference.js';
export { MEDIA, REF_NAME } from './images/media.js';
export { noSuchPlatform, type IndexEntry } from './images/index.js';
export { detectCompression, zstdSupported, type ArchiveCompression } from './layers/decompress.js';
export { extract as extractTar, type ExtractMode, type ExtractOptions } from './snapshots/extract.js';
export { importRootfs, type ImportOptions } from './transfer/import.js';
export { ociArch, hostPlatform, normalizeArch, normalizePlatform, parsePlatform, formatPlatform, platformMatches, selectPlatform, type Platform } from './images/platform.js';
export { saveImages, saveImagesTo, type ArchiveFormat, type SaveOptions } from './transfer/save.js';
export { loadArchive, loadArchiveFrom, type LoadOptions, type LoadResult } from './transfer/load.js';
export { cancellable, cancelledError } from './util/abort.js';
export { ownerAlive, processStart, selfStartTime } from './lock/lockfile.js';
export { deadOwned, mountsUnder, ownerGone, ownerTag, selfPidNamespace } from './gc/scratch.js';
export { decodeName, encodeName, fsName, hasEscapes } from './util/bytesName.js';
export {
  resolveInRoot,
  resolveInRootAsync,
  cleanComponents,
  cleanAbs,
  escapesRoot,
  fileName,
  isWithin,
  parentsAreDirs,
  safeEntryName,
  SymlinkLoopError,
  type ScopedOptions,
  type KernelResolve,
} from './fs/scoped.js';
export { readIdMap, mapped, overlayOpaqueXattr, inInitialUserns, type IdMap } from './snapshots/id-map.js';
export * from './registry/index.js';
