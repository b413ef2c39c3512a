/**
 * Public shapes of @tsbuild/layerstore. Data flow:
 *   bytes ──content/write──▶ blobs/sha256/<hex>  (atomic, verified)
 *   layer tar ──layers/write──▶ {digest (gzip), diffID (tar)}      (one streaming pass, two hashes)
 *   diffIDs ──snapshots/ensure──▶ unpacked dir per chainID (shared by every image on that base)
 *   {config, layers} ──images/put──▶ manifest digest ──index/tag──▶ index.json ref
 */
import type { Readable } from 'node:stream';

/** A content digest: `sha256:` and 64 lowercase hex digits. */
export type Digest = `sha256:${string}`;

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
}

/** OCI image config (also accepts Docker's); fields used by the builder. */
export interface ImageConfig {
  /** when the image was made (ISO 8601) */
  created?: string | undefined;
  /** the image's author (`MAINTAINER`) */
  author?: string | undefined;
  /** GOARCH-style CPU architecture (`amd64`, `arm64`) */
  architecture: string;
  /** operating system (`linux`) */
  os: string;
  /** architecture variant (`v8`) */
  variant?: string | undefined;
  /** how a container runs: Env, Cmd, Entrypoint, WorkingDir, User, Labels … */
  config: ContainerConfig;
  /** the uncompressed layer digests (diffIDs), lowest first */
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  /** one entry per instruction, with `empty_layer` for those that added no layer */
  history?: HistoryEntry[] | undefined;
}
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Shell?: string[];
  OnBuild?: string[] | null;
  Healthcheck?: { Test: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number };
  ArgsEscaped?: boolean;
}
export interface HistoryEntry { created?: string; created_by?: string; author?: string; comment?: string; empty_layer?: boolean }

/** An OCI image manifest. */
export interface Manifest {
  /** always 2 */
  schemaVersion: 2;
  /** `application/vnd.oci.image.manifest.v1+json` (or Docker's v2 manifest type for loaded images) */
  mediaType: string;
  /** the config blob */
  config: Descriptor;
  /** the layer blobs, lowest first */
  layers: Descriptor[];
  /** manifest annotations */
  annotations?: Record<string, string> | undefined;
}

/** A layer as the builder knows it: compressed blob + uncompressed diffID. */
export interface LayerRef {
  /** digest of the (gzip) blob */
  digest: Digest;
  /** digest of the uncompressed tar (what the config's rootfs lists) */
  diffID: Digest;
  /** size of the blob in bytes */
  size: number;
  /** the blob's media type (`application/vnd.oci.image.layer.v1.tar+gzip`) */
  mediaType: string;
}

/** An image in the store: its manifest, config and layers with their digests. */
export interface ImageRecord {
  /** digest of the manifest: the image id users see (`tsbuild images`) */
  manifestDigest: Digest;
  /** the OCI manifest */
  manifest: Manifest;
  /** digest of the config blob */
  configDigest: Digest;
  /** the image config */
  config: ImageConfig;
  /** the layers, lowest first */
  layers: LayerRef[];
}

export interface ImageSummary {
  name: string;
  /**
   * the image ID, as docker gives it (`docker images`, `--iidfile`): the config digest; for a
   * multi-platform image the index digest (no one config is it); for an image whose manifest
   * cannot be read, the manifest digest (the only one it has)
   */
  id: Digest;
  manifestDigest: Digest;
  /** the config's digest (for an unreadable image: as its manifest names it, when that can be read) */
  configDigest?: Digest;
  created?: string;
  size: number;
  /** set when the tagged image cannot be read (corrupt or missing manifest/config): listed, never hidden */
  error?: { code: string; message: string };
}

export interface LayerWriteOptions {
  /** gzip level 0-9 (default 6; 1 is faster for slightly bigger layers) */
  compressionLevel?: number;
  /** parse the tar while writing it (truncation, unsafe names → error) */
  validate?: boolean;
  /**
   * Called with each chunk the tar stream pushed once no stage reads its bytes any more (the diffID
   * hash read it, gzip copied or deflated it), so the producer can fill the same buffer again: a
   * producer that streams hundreds of MiB through a few recycled buffers leaves no ArrayBuffer
   * garbage behind (dead 1 MiB buffers waiting for V8's GC, then free but unreturned in malloc's
   * arena, were most of a big COPY's RSS). Not called with `validate` (the tar parser may keep
   * references).
   */
  releaseChunk?: (chunk: Buffer) => void;
}

/** A layer's tar as its producer hands it to writeLayer. */
export interface LayerTar {
  tar: Readable;
  releaseChunk?: (chunk: Buffer) => void;
}

/** Immutable cache record written by the builder (content addressed by its key). */
export interface CacheRecord {
  key: string;
  /** what the step produced: the image state after it */
  layers: LayerRef[];
  config: ImageConfig;
  createdAt: string;
  [extra: string]: unknown;
}

/** What an ADD <url> answered last: the content (a blob) and the validators to revalidate it with. */
export interface UrlRecord {
  url: string;
  digest: Digest;
  size: number;
  etag?: string;
  /** the Last-Modified header as sent */
  lastModified?: string;
}

/** What a GC (`tsbuild prune`) removed; the builder's `PruneStats`. */
export interface GcStats {
  /** blobs (layers, configs, manifests) removed */
  blobsRemoved: number;
  /** unpacked layer snapshots removed */
  snapshotsRemoved: number;
  /** build cache records removed */
  cacheRecordsRemoved: number;
  /** `RUN --mount=type=cache` directories removed (prune --all) */
  cacheMountsRemoved: number;
  /** `ADD <url>` download records removed (prune --all; their blobs then go unless something else keeps them) */
  urlRecordsRemoved: number;
  /** bytes freed on disk */
  bytesFreed: number;
}

/** One inconsistency fsck found. */
export interface FsckProblem {
  /** what is wrong: `blob`, `manifest`, `snapshot`, `tag` … */
  kind: string;
  /** the file or reference concerned */
  path: string;
  /** what is wrong with it */
  message: string;
}

/** The store's public surface, as the builder uses it. Implemented by `Store` (layerstore/src/store.ts). */
export interface LayerStore {
  readonly root: string;
  // blobs
  hasBlob(digest: Digest): Promise<boolean>;
  writeBlob(data: Buffer | Readable, opts?: { expected?: Digest; size?: number }): Promise<{ digest: Digest; size: number }>;
  readBlob(digest: Digest): Promise<Buffer>;
  blobStream(digest: Digest): Readable;
  blobPath(digest: Digest): string;
  // layers: an uncompressed tar stream in; gzip blob out, hashing both sides in one pass
  writeLayer(tar: Readable, opts?: LayerWriteOptions): Promise<LayerRef>;
  /** unpack (once, shared) and return the snapshot dirs for each layer prefix, lowest layer first */
  ensureSnapshots(layers: LayerRef[], opts?: { signal?: AbortSignal }): Promise<string[]>;
  /** take `dir` (an overlay upperdir holding exactly the last layer, on the store's filesystem) as that chain's snapshot by an atomic rename; false when the snapshot already exists (then `dir` is untouched) */
  adoptSnapshot?(layers: LayerRef[], dir: string): Promise<boolean>;
  /** flatten layers (lowest first) onto `dest` applying OCI whiteouts: a plain directory tree (`-o type=local`) */
  extractLayers(layers: LayerRef[], dest: string, opts?: { signal?: AbortSignal }): Promise<void>;
  // images
  /** `opts.annotations`: the manifest's annotations (`--annotation`) */
  putImage(config: ImageConfig, layers: LayerRef[], opts?: { annotations?: Record<string, string> }): Promise<ImageRecord>;
  /** `platform`: from an index, that platform's image (StoreError E_PLATFORM when it has none) */
  getImage(nameOrDigest: string, opts?: { platform?: { os: string; architecture: string; variant?: string } }): Promise<ImageRecord | undefined>;
  /** an OCI index over platform images in the store (multi-platform builds); optional for injected stores */
  putIndex?(images: readonly { manifestDigest: Digest; platform: { os: string; architecture: string; variant?: string } }[]): Promise<{ digest: Digest; size: number; manifests: Descriptor[] }>;
  /** `signal` ends a wait for the store lock (E_CANCELLED). */
  tag(name: string, manifestDigest: Digest, opts?: { signal?: AbortSignal | undefined }): Promise<void>;
  untag(name: string): Promise<boolean>;
  listImages(): Promise<ImageSummary[]>;
  // cache
  putCacheRecord(record: CacheRecord): Promise<void>;
  getCacheRecord(key: string): Promise<CacheRecord | undefined>;
  // the builder's other caches, kept under the store's root so GC, prune and fsck cover them
  /** the persistent directory of `RUN --mount=type=cache,id=ID` (created; kept from `prune --all` while this instance lives) */
  cacheMountDir(id: string): Promise<string>;
  /** what `url` answered last (ADD <url>), when its content is still on the blob store */
  getUrlRecord(url: string): Promise<UrlRecord | undefined>;
  putUrlRecord(record: UrlRecord): Promise<void>;
  /** the file the builder keeps its build-context file hashes in (format FORMAT.contextCache) */
  contextCacheFile(): string;
  // maintenance
  /** plain: drop what no tag, cache record or live build reaches; all: also the build cache, cache mounts, URL records and context hashes */
  gc(opts?: { all?: boolean; signal?: AbortSignal }): Promise<GcStats>;
  fsck(): Promise<FsckProblem[]>;
  /**
   * a directory inside the store (same filesystem) for the builder's scratch/upper dirs.
   * Entries named `<kind>-<pid>-…` are removed by GC once that pid is dead.
   */
  tmpDir(): string;
  /** drop this instance's GC lease on what it wrote/used (call when a build is done) */
  close(): Promise<void>;
}
