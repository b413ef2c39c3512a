/**
 * Shapes of the library's `Store` (store/store.ts): what `tsbuild images`, `inspect`, `prune`,
 * `fsck`, `save` and `load` print, as data.
 */
import type { Digest, FsckProblem as StoreFsckProblem, GcStats, ImageConfig, ImageRecord, LayerRef, Manifest } from '@tsbuild/layerstore';

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** store directory (default: `$TSBUILD_ROOT`, `/var/lib/tsbuild` as root, else `$XDG_DATA_HOME/tsbuild`) */
  root?: string | undefined;
  /** how long to wait for the store lock held by another process, in ms (default 120,000) */
  lockTimeoutMs?: number | undefined;
  /** worker threads that create small files while layers are extracted (default: by the machine's load) */
  extractWorkers?: number | undefined;
}

/** One tag in the store, as `tsbuild images` lists it. */
export interface ImageInfo {
  /** the tag, normalized: `docker.io/library/app:1` is shown as `app:1` */
  name: string;
  /**
   * the image ID, as `docker images` and `--iidfile` give it: the config digest (a multi-platform
   * image's: its index digest; an image whose manifest cannot be read: its manifest digest)
   */
  id: Digest;
  /** digest of its manifest (or index), what the store's index.json tags */
  manifestDigest: Digest;
  /** digest of its config blob (for an unreadable image: as its manifest names it, when that can be read) */
  configDigest?: Digest | undefined;
  /** the config's `created` time (ISO 8601), when it has one */
  created?: string | undefined;
  /** total compressed size of its layers in bytes */
  size: number;
  /** set when the tagged image cannot be read (corrupt or missing manifest or config): listed, never hidden; `tsbuild fsck` says more */
  error?: { code: string; message: string } | undefined;
}

/** One image in full, shaped like `docker image inspect` (what `tsbuild inspect` prints). */
export interface ImageDetails {
  /** the image ID, as `docker image inspect` gives it: the digest of its config */
  Id: Digest;
  /** digest of its manifest */
  ManifestDigest: Digest;
  /** digest of its config blob */
  ConfigDigest: Digest;
  /** every tag that names this image */
  RepoTags: string[];
  /** the config's `created` time (ISO 8601) */
  Created: string | undefined;
  /** the config's `author`, or '' */
  Author: string;
  /** GOARCH-style architecture (`amd64`, `arm64`) */
  Architecture: string;
  /** architecture variant (`v8`), when there is one */
  Variant: string | undefined;
  /** operating system (`linux`) */
  Os: string;
  /** the container config: Env, Cmd, Entrypoint, WorkingDir, User, Labels … */
  Config: ImageConfig['config'];
  /** total compressed size of its layers in bytes */
  Size: number;
  /** the uncompressed layer digests (diffIDs), lowest first */
  RootFS: { Type: 'layers'; Layers: Digest[] };
  /** its layers, lowest first */
  Layers: { Digest: Digest; DiffID: Digest; Size: number; MediaType: string }[];
  /** the config's history, one entry per instruction */
  History: NonNullable<ImageConfig['history']>;
  /** the OCI manifest */
  Manifest: Manifest;
}

/** Archive format of {@link Store.save}: `docker` (loadable by `docker load`) or an OCI image layout tar. */
export type ArchiveFormat = 'docker' | 'oci';

/** What every long store operation (save, load, import, prune) accepts. */
export interface CancelOptions {
  /**
   * cancels the operation: it stops within moments (a read or write blocked on a slow peer too),
   * removes its partial output and scratch, and rejects with `E_CANCELLED` whose `cause` is the
   * signal's reason (as a cancelled {@link build})
   */
  signal?: AbortSignal | undefined;
}

/** Options of {@link Store.save}. */
export interface SaveOptions extends CancelOptions {
  /** archive format (default `docker`) */
  format?: ArchiveFormat | undefined;
}

/** Options of {@link Store.load} and {@link Store.import}. */
export interface UnpackOptions extends CancelOptions {
  /** also extract the layer snapshots now, not at the first build step that needs them (default false) */
  unpack?: boolean | undefined;
}

/** Options of {@link Store.load}. */
export interface LoadOptions extends UnpackOptions {
  /** what to call a stream source in error messages (default `stream`; the CLI says `stdin`) */
  sourceName?: string | undefined;
}

/** One image {@link Store.load} added. */
export interface LoadedImage {
  /** the tag it was loaded under, when the archive named one */
  name?: string | undefined;
  /** the stored image */
  record: ImageRecord;
}

/** Options of {@link Store.prune}. */
export interface PruneOptions extends CancelOptions {
  /** also drop the build cache (every cache record), not only what nothing reaches (default false) */
  all?: boolean | undefined;
}

/** What {@link Store.prune} removed (the layer store's GC stats: one definition). */
export type PruneStats = GcStats;

/** One inconsistency {@link Store.fsck} found. */
export type FsckProblem = StoreFsckProblem;

export type { Digest, ImageRecord, LayerRef };
