/**
 * The ONE module that knows the store's on-disk layout. Everything else asks it for paths.
 *
 *   ROOT/oci-layout                 {"imageLayoutVersion":"1.0.0"}   (OCI image layout)
 *   ROOT/index.json                 tags: manifests with org.opencontainers.image.ref.name
 *   ROOT/blobs/sha256/<hex>         content, visible only once its bytes hash to <hex>
 *   ROOT/snapshots/<chainID hex>/   one layer's own diff, overlay-ready (lowerdir)
 *   ROOT/cache/<sha256(key) hex>.json   immutable build cache records
 *   ROOT/sessions/<pid>-<start>     live writers (GC keeps what they created)
 *   ROOT/tmp/                       scratch on the same filesystem (atomic renames)
 *   ROOT/store.lock                 the store lock (tag updates, GC)
 *   ROOT/sources/<hex>              registry repositories a blob is known to be in (cross-repo mounts on push)
 */
import { join } from 'node:path';
import { hexOf } from './digest.js';

export class StorePaths {
  readonly root: string;
  readonly ociLayout: string;
  readonly index: string;
  readonly blobs: string;
  readonly snapshots: string;
  readonly cache: string;
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
  session(name: string): string {
    return join(this.sessions, name);
  }
  /** a unique scratch name under tmp/ */
  temp(prefix: string): string {
    return join(this.tmp, `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`);
  }
  /** every directory the layout needs */
  dirs(): string[] {
    return [this.blobs, this.snapshots, this.cache, this.sessions, this.tmp];
  }
}
