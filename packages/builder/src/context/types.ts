/**
 * The build context: a directory plus its .dockerignore, seen through `CopySource` by COPY/ADD and
 * hashed for cache keys.
 *   loadContext(dir) ─▶ BuildContext ─checksum(selection)─▶ ContentChecksum (cache key input)
 *                                    └─(as CopySource)─▶ applyCopy
 */
import type { CopySource } from '../copy/types.js';

/** Identity of a file's content as the cache sees it (content assumed unchanged while these match). */
export interface FileIdentity { ino: number; size: number; mtimeMs: number; ctimeMs: number }

/** Identity of a directory's entry list (unchanged while these match). */
export interface DirIdentity { ino: number; mtimeMs: number; ctimeMs: number }

/** Content hashes of files, keyed by absolute path + identity. Load once per build; save at the end. */
export interface ChecksumCache {
  /**
   * The stored value when the file is unchanged since it was stored: sha256 hex of the content,
   * followed by `+<hex>` of its security.capability xattr when it has one.
   */
  get(absPath: string, id: FileIdentity): string | undefined;
  set(absPath: string, id: FileIdentity, sha256: string): void;
  /**
   * A directory's entry names (sorted as stored) when it is unchanged since they were stored:
   * any create/delete/rename inside a directory moves its mtime and ctime.
   */
  listing?(dirAbs: string, id: DirIdentity): string[] | undefined;
  /** store a directory's sorted entry names (the cache may refuse one changed too recently to trust) */
  setListing?(dirAbs: string, id: DirIdentity, names: string[]): void;
  /**
   * A whole selection's checksum, when the walk's fingerprint (every entry's identity, see
   * checksum.ts memoOf) is the one stored with it under `key`.
   */
  selection?(key: string, fingerprint: string): { digest: string; entries: number } | undefined;
  /** the stored memo under `key`, whatever its fingerprint (to decide whether a fingerprint is worth taking) */
  peekSelection?(key: string): { entries: number } | undefined;
  /** store it; `newestMs` is the latest mtime/ctime in the walk (a cache may refuse one too recent to trust) */
  setSelection?(key: string, fingerprint: string, value: { digest: string; entries: number }, newestMs: number): void;
  /** persist (atomically) when anything changed */
  save(): Promise<void>;
}

/** Which sources of the context a COPY/ADD (or RUN --mount=type=bind) reads. */
export interface SourceSelection {
  /** source paths as written (after expansion); URLs and heredoc markers are skipped */
  sources: string[];
  /** --exclude patterns (relative to each matched source) */
  exclude?: string[];
  /** --parents */
  parents?: boolean;
}

export interface ChecksumOptions {
  /** per-entry digests in the result (for "which file changed" explanations) */
  detail?: boolean;
  /** with `detail`: give up the per-entry digests (detail left undefined) once there are more than this many */
  detailMax?: number;
  signal?: AbortSignal;
}

export interface ChecksumEntry { path: string; digest: string }

/** Content checksum of exactly the selected sources (see context/checksum.ts for what goes in). */
export interface ContentChecksum {
  /** sha256:<hex> */
  digest: `sha256:${string}`;
  /** number of entries hashed (files, dirs, links) */
  entries: number;
  /** bytes read from disk for this checksum (cache misses only) */
  bytesRead: number;
  /** per entry: its path in the source root (e.g. `src/app.ts`) → digest, when `detail` was asked */
  detail?: ChecksumEntry[];
}

export interface ContextStats {
  /** bytes of file content read to hash (cache misses) since loadContext */
  bytesRead: number;
  /** files whose hash came from the ChecksumCache */
  cacheHits: number;
  /** files hashed from content */
  filesHashed: number;
}

export interface BuildContext extends CopySource {
  /** absolute context directory */
  readonly dir: string;
  /** the ignore file used (`<Dockerfile>.dockerignore` or `.dockerignore`), if any */
  readonly ignoreFile?: string;
  /** its patterns, as read */
  readonly ignorePatterns: string[];
  readonly stats: ContextStats;
  /** absolute path of `relPath` inside the context (no symlink resolution); E_CONTEXT when it leaves it */
  resolve(relPath: string): string;
  /** host path of `relPath` with symlinks followed but kept inside the context */
  resolveFollow(relPath: string): Promise<string>;
  /** true when `relPath` is excluded by the ignore file */
  isIgnored(relPath: string): boolean;
  /** expand COPY-style source patterns (Go filepath.Match per segment) into context-relative paths; missing literals are dropped */
  glob(patterns: string[], opts?: { exclude?: string[] }): Promise<string[]>;
  /** content checksum of exactly what a COPY with this selection would read; E_COPY_SOURCE for a missing source */
  checksum(selection: SourceSelection | string[], opts?: ChecksumOptions): Promise<ContentChecksum>;
}

export interface LoadContextOptions {
  /** Dockerfile path (absolute or relative to the process cwd); its `<name>.dockerignore` wins over the context's */
  dockerfilePath?: string;
  /** file-hash cache (e.g. `await FileChecksumCache.open(store.contextCacheFile())`) */
  cache?: ChecksumCache;
  /** bounded parallelism for stat + hash (default 32) */
  concurrency?: number;
}
