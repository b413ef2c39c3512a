/**
 * What the solver needs from the build context: the directory, and content checksums of exactly
 * the sources a COPY/ADD or bind mount selects (path, type, mode, size, link target, content —
 * never mtime or owner), with `.dockerignore` applied. Implemented over the context module.
 */
export interface SourceChecksum {
  /** one digest over all selected files */
  digest: string;
  /** per-file digests, for miss explanations (may be truncated for huge selections) */
  files: [path: string, digest: string][];
}

import type { CopySource } from '../copy/types.js';

export interface BuildContextSource {
  /** absolute context directory */
  readonly dir: string;
  checksum(sources: string[], opts?: { exclude?: string[]; parents?: boolean }): Promise<SourceChecksum>;
  /** start checksum(sources, opts) now, for a step that will ask for it later (optional) */
  prefetch?(sources: string[], opts?: { exclude?: string[]; parents?: boolean }): void;
  /** the context as a COPY source (.dockerignore applied) */
  copySource(): CopySource;
  /** bytes read from context files so far (for --metadata-file / bench) */
  bytesRead(): number;
  /** the .dockerignore patterns in force (the lint rule CopyIgnoredFile) */
  ignorePatterns?(): readonly string[];
}
