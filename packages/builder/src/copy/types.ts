/**
 * Shapes of COPY/ADD execution. Data flow:
 *   CopyOp (expanded instruction) + CopySource (context | stage rootfs) ─selectSources─▶ SourceMatch[]
 *   ─applyCopy─▶ files written into the step's writable rootfs (destRoot) ─▶ CopyResult
 * The same selection feeds `checksumSources` (../context/checksum.ts) for cache keys.
 */
import type { Stats } from 'node:fs';

/** Where COPY/ADD sources come from. The build context (see ../context) implements it too. */
export interface CopySource {
  /** directory on disk the source paths are resolved in (context dir, or a stage's merged rootfs) */
  readonly root: string;
  /** 'root': copied files become 0:0 (context, heredocs, URLs); 'preserve': keep on-disk owners (COPY --from) */
  readonly owner: 'root' | 'preserve';
  /** label for messages, e.g. "context" or "stage build" */
  readonly name: string;
  /** entries hidden from COPY (the context's .dockerignore); path relative to root, '/'-separated */
  isIgnored?(relPath: string): boolean;
  /** true when an ignored directory may still contain visible entries (`!exception` patterns) */
  readonly ignoreHasExceptions?: boolean;
  /** precise form of the above for one ignored directory: true when nothing below it can be visible */
  canSkipIgnoredDir?(relDir: string): boolean;
  /**
   * security.capability of a file when the source already knows it (the context learns it while
   * checksumming): the raw value, null for "known to have none", undefined for "unknown, read it".
   * `st` is the copier's lstat of `abs`: a file changed since it was learnt is unknown.
   */
  knownCapability?(abs: string, st: Stats): Buffer | null | undefined;
}

/** A COPY/ADD instruction after word expansion (the parser's CopyInstruction/AddInstruction fit). */
export interface CopyOp {
  kind: 'COPY' | 'ADD';
  /** source paths / URLs as written (after expansion); `<<EOF` markers are ignored (see heredocs) */
  sources: string[];
  /** destination as written (after expansion); relative to `workdir`; a trailing '/' means "directory" */
  dest: string;
  /** inline files: `name` is the file name (the heredoc delimiter), `content` final (already expanded) */
  heredocs?: { name: string; content: string }[];
  chown?: string;
  chmod?: string;
  link?: boolean;
  parents?: boolean;
  exclude?: string[];
  /** ADD --checksum=sha256:<hex> (URL sources) */
  checksum?: string;
  /** ADD --unpack: default true for local sources; URLs are only extracted with an explicit true */
  unpack?: boolean;
}

/** A downloaded ADD URL (see downloadUrl); pass it back to applyCopy to avoid a second download. */
export interface RemoteFile {
  url: string;
  /** temp file holding the content */
  file: string;
  /** sha256:<hex> of the content */
  digest: `sha256:${string}`;
  size: number;
  /** name used in the destination: last path segment of the URL, else "__unnamed__" */
  filename: string;
  lastModified?: Date;
  etag?: string;
}

export interface ApplyCopyOptions {
  /** source of local paths; required unless the op only has heredocs / URLs */
  source?: CopySource;
  /** the step's writable merged rootfs (or an empty dir for an independent --link layer) */
  destRoot: string;
  /** WORKDIR of the step (absolute), default '/' */
  workdir?: string;
  /** rootfs whose /etc/passwd and /etc/group resolve --chown names (default destRoot; for --link pass the parent rootfs) */
  userRoot?: string;
  /** fail on --chown names that do not exist (BuildKit silently uses 0) */
  strictChown?: boolean;
  /** classic-builder check: several sources need a dest ending in '/' (BuildKit does not check) */
  strictMultiSource?: boolean;
  /** URLs already fetched (e.g. for the cache key) by URL */
  remote?: Map<string, RemoteFile>;
  /** where to download URLs when not in `remote` (default os.tmpdir()) */
  tmpDir?: string;
  signal?: AbortSignal;
  onWarning?: (message: string) => void;
}

export interface CopyResult {
  /** --link without --chmod: BuildKit builds this layer independently of the parent */
  independentLayer: boolean;
  /** entries written (files, dirs, links) */
  entries: number;
  /** bytes of regular-file content written */
  bytes: number;
  /** URL sources with their content digests (for cache records) */
  remote: RemoteFile[];
  /** --chown names that resolved to 0 like BuildKit does */
  unresolvedOwner?: string[];
}

/** One matched source path. */
export interface SourceMatch {
  /** the source as written, cleaned and absolute in the source root ('/foo/bar') */
  src: string;
  /** the match relative to the source root, '/'-separated, before following a final symlink ('' = root) */
  rel: string;
  /** host path after following symlinks (scoped to the root) */
  abs: string;
  /** lstat of `abs` */
  stat: Stats;
  /** --parents: path (relative to the pivot) to recreate under dest */
  parentsPath?: string;
}

/** Error codes used by context/copy/users (all thrown as BuildError). */
export type CopyErrorCode =
  | 'E_COPY_SOURCE' /* a source path does not exist (or is ignored) */
  | 'E_CONTEXT' /* a path leaves the build context */
  | 'E_COPY' /* the copy itself failed (e.g. file over directory) */
  | 'E_UNSAFE_PATH' /* an archive entry escapes the destination */
  | 'E_CHECKSUM' /* ADD --checksum mismatch */
  | 'E_CHMOD' /* invalid --chmod */
  | 'E_USER' /* unknown user/group */
  | 'E_FETCH'; /* ADD <url> download failed */
