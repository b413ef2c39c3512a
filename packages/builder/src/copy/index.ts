export type { ApplyCopyOptions, CopyErrorCode, CopyOp, CopyResult, CopySource, RemoteFile, SourceMatch } from './types.js';
export { applyCopy, destinationOf, isIndependentLayer } from './applyCopy.js';
export { fetchRemote, type FetchRemoteOptions } from './fetchRemote.js';
export { downloadUrl, discardRemote, parseChecksum, urlFilename, type DownloadOptions } from './downloadUrl.js';
export { selectSource, selectSources, isUrl, isHeredocMarker } from './select.js';
export { parseChmod, chmodMode, type ChmodSpec } from './chmod.js';
export { isArchive, extractArchive, detectCompression, isTarHeader } from './archive.js';
export { rootPath, rootPathSync, cleanAbs } from './rootPath.js';
export { resolveWildcards, containsWildcards, matchSegment } from './wildcard.js';
