export type { BuildContext, ChecksumCache, ChecksumEntry, ChecksumOptions, ContentChecksum, ContextStats, DirIdentity, FileIdentity, LoadContextOptions, SourceSelection } from './types.js';
export { loadContext, findIgnoreFile } from './loadContext.js';
export { checksumSources } from './checksum.js';
export { FileChecksumCache, MemoryChecksumCache } from './checksumCache.js';
export { defaultIgnoreMatcher, readIgnoreLines, type IgnoreMatcher, type IgnoreMatcherFactory } from './ignoreMatcher.js';
