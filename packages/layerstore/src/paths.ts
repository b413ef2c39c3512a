/**
 * The ONE module that knows the store's on-disk layout, and the one owner of every on-disk format's
 * version. Everything else asks it for paths; nothing else writes under ROOT.
 *
 *   ROOT/oci-layout                 {"imageLayoutVersion":"1.0.0"}   (OCI image layout)
 *   ROOT/index.json                 tags: manifests with org.opencontainers.image.ref.name
 *   ROOT/blobs/sha256/<hex>         content, visible only once its bytes hash to <hex>
 *   ROOT/snapshots/<chainID hex>/   one layer's own diff, overlay-ready (lowerdir)
 *   ROOT/cache/<sha256(key) hex>.json   immutable build cache records
 *   ROOT/cache-mounts-v1/<sha256(id) hex>/   RUN --mount=type=cache directories
 *   ROOT/http-cache-v2/<sha256(url) hex>.json  ADD <url> validators; the content is a blob
 *   ROOT/context-cache-v7.bin       the builder's file-hash cache of build contexts
 *   ROOT/sessions/<pid>-<start>     live writers (GC keeps what they created)
 *   ROOT/tmp/                       scratch on the same filesystem (atomic renames)
 *   ROOT/store.lock                 the store lock (tag updates, GC)
 *   ROOT/sources/<hex>              registry repositories a blob is known to be in (cross-repo mounts on push)
 *
 * GC (gc/) and fsck (gc/fsck.ts) walk exactly these; anything else under ROOT is reported by fsck,
 * and the OBSOLETE names (earlier formats' homes) are removed by every prune.
 */
import { join, relative } from 'node:path';
import { createHash } from 'node:crypto';
import { hexOf } from './digest.js';

/**
 * Every on-disk format's version. A format's version is part of its path, so a bump makes the old
 * data unreachable (then removed by prune as OBSOLETE) instead of misread. (The builder's cache-key
 * schemas — solve/cacheKey.ts KEY_VERSION, context/checksum.ts's content-hash version — version
 * keys, not files: a bump gives new keys, and records under the old ones age out through prune.)
 */
export const FORMAT = {
  /** oci-layout's imageLayoutVersion */
  layout: '1.0.0',
  /** cache-mounts-v<N>/: one plain directory per mount id */
  cacheMounts: 1,
  /** http-cache-v<N>/: v2 keeps the content on the blob store (v1 had its own blobs/ beside it) */
  httpCache: 2,
  /** context-cache-v<N>.bin: the builder's binary file-hash cache; its magic is `TSBCC<N>\n\0` */
  contextCache: 7,
} as const;

/** homes of earlier formats: every prune removes them */
export const OBSOLETE = ['http-cache-v1', 'context-cache-v1.json'] as const;

export class StorePaths {
  readonly root: string;
  readonly ociLayout: string;
  readonly index: string;
  readonly blobs: string;
  readonly snapshots: string;
  readonly cache: string;
  readonly cacheMounts: string;
  readonly urlCache: string;
  readonly contextCache: string;
  readonly sessions: string;
  readonly tmp: string;
  readonly lock: string;
  readonly sources: string;

  constructor(root: string) {
    this.root = root;
    this.ociLayout = join(root, 'oci-layout');
    this.index = join(root, 'index.json');
    this.blobs = join(root, 'blobs', 'sha256');
    this.snapshots = join(root, 'snapshots');
    this.cache = join(root, 'cache');
    this.cacheMounts = join(root, `cache-mounts-v${FORMAT.cacheMounts}`);
    this.urlCache = join(root, `http-cache-v${FORMAT.httpCache}`);
    this.contextCache = join(root, `context-cache-v${FORMAT.contextCache}.bin`);
    this.sessions = join(root, 'sessions');
    this.tmp = join(root, 'tmp');
    this.lock = join(root, 'store.lock');
    this.sources = join(root, 'sources');
  }

  blob(digest: string): string {
    return join(this.blobs, hexOf(digest));
  }
  snapshot(chainID: string): string {
    return join(this.snapshots, hexOf(chainID));
  }
  cacheRecord(keyHex: string): string {
    return join(this.cache, `${keyHex}.json`);
  }
  /** registry repositories (`host/repo` lines) known to hold this blob */
  blobSources(digest: string): string {
    return join(this.sources, hexOf(digest));
  }
  /** a cache mount's directory: named by sha256 of its id (ids are free text) */
  cacheMount(id: string): string {
    return join(this.cacheMounts, sha256Hex(id));
  }
  /** an ADD <url> record: named by sha256 of the URL */
  urlRecord(url: string): string {
    return join(this.urlCache, `${sha256Hex(url)}.json`);
  }
  session(name: string): string {
    return join(this.sessions, name);
  }
  /** a unique scratch name under tmp/ */
  temp(prefix: string): string {
    return join(this.tmp, `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`);
  }
  /** every directory the layout needs up front (the caches' directories are made on first use) */
  dirs(): string[] {
    return [this.blobs, this.snapshots, this.cache, this.sessions, this.tmp];
  }
  /** the names directly under ROOT that belong to this layout (every path field above: a new one counts at once) */
  entries(): Set<string> {
    const out = new Set<string>();
    for (const v of Object.values(this)) if (typeof v === 'string' && v !== this.root) out.add(relative(this.root, v).split('/')[0]!);
    return out;
  }
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
