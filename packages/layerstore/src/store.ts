/**
 * Store: the LayerStore implementation. Binds the layout (paths.ts) to the verbs in content/,
 * layers/, snapshots/, images/, index/, cache/ and gc/, and holds the per-instance state:
 * in-flight write/extraction maps, the store lock, this instance's GC lease.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import type { Readable } from 'node:stream';
import type { CacheRecord, Descriptor, Digest, FsckProblem, GcStats, ImageConfig, ImageRecord, ImageSummary, LayerRef, LayerStore, UrlRecord } from './types.js';
import { StorePaths } from './paths.js';
import { isDigest } from './digest.js';
import { write as writeBlobTo, type WriteOptions } from './content/write.js';
import { read as readBlobFrom, stream as blobStreamOf } from './content/read.js';
import { writeLayer, type WriteLayerOptions } from './layers/write.js';
import { ensureSnapshots, applyLayer } from './snapshots/ensure.js';
import { cancellable } from './util/abort.js';
import { adoptSnapshot } from './snapshots/adopt.js';
import { putImage, putImageBytes } from './images/put.js';
import { isIndex, layerRefs, parseConfig, parseJson, parseManifest, pickPlatform } from './images/parse.js';
import { indexBytes, noSuchPlatform } from './images/index.js';
import { selectPlatform, type Platform } from './images/platform.js';
import { readIndex, refName, withTag, withoutTag, writeIndex, type OciIndex } from './index/index.js';
import { canonicalString, familiarName, normalizeRef, parseReference, type ImageReference } from './images/reference.js';
import { FileLock } from './lock/lockfile.js';
import { getRecord, putRecord } from './cache/records.js';
import { getUrlRecord, putUrlRecord } from './cache/urls.js';
import { cacheMountDir, mountLease } from './cache/mounts.js';
import { Leases } from './gc/leases.js';
import { deadScratch, ownScratch, removeScratch } from './gc/scratch.js';
import { mark } from './gc/mark.js';
import { sweep } from './gc/sweep.js';
import { fsck } from './gc/fsck.js';
import { atomicWriteFile, errno } from './util/fs.js';
import { INDEX_TYPES, MEDIA } from './images/media.js';
import { notFound, formatError } from './errors.js';

export interface StoreOptions {
  /** gzip level for layers this store writes (default 6) */
  compressionLevel?: number;
  /** parallel snapshot extractions (default 2) */
  extractConcurrency?: number;
  /** how long to wait for the store lock (default 120 s) */
  lockTimeoutMs?: number;
  /**
   * worker threads that create small files while a layer is extracted (0 = none). Default: chosen
   * per extraction from the idle CPUs (the 1-minute load average), so set it to pin either way.
   */
  extractWorkers?: number;
}

/** $TSBUILD_ROOT, else /var/lib/tsbuild for root, else $XDG_DATA_HOME/tsbuild (~/.local/share/tsbuild). */
export function defaultRoot(env: NodeJS.ProcessEnv = process.env, uid: number = process.getuid?.() ?? 0): string {
  if (env.TSBUILD_ROOT) return env.TSBUILD_ROOT;
  if (uid === 0) return '/var/lib/tsbuild';
  return join(env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share'), 'tsbuild');
}

/**
 * The store holds other people's images unpacked, setuid binaries and device nodes included: no
 * other local user may reach into it (with 0755 anyone could run a setuid-root binary straight from
 * snapshots/ and be root). Docker's /var/lib/docker is 0710; tsbuild needs no group traversal
 * (overlayfs and bind mounts resolve their paths as the mounter), so the root is 0700.
 */
const STORE_DIR_MODE = 0o700;

/** Create the store root 0700 (its missing parents as usual), and tighten an existing one. */
function secureRoot(root: string): void {
  let st = statSync(root, { throwIfNoEntry: false });
  if (!st) {
    mkdirSync(dirname(root), { recursive: true });
    try {
      mkdirSync(root, { mode: STORE_DIR_MODE });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    st = statSync(root);
  }
  // a store made before (0755), or mkdir's mode narrowed by nothing but the umask: fix it on open
  if ((st.mode & 0o7777) !== STORE_DIR_MODE) chmodSync(root, STORE_DIR_MODE);
}

export class Store implements LayerStore {
  readonly root: string;
  readonly paths: StorePaths;
  readonly options: Required<Omit<StoreOptions, 'extractWorkers'>> & Pick<StoreOptions, 'extractWorkers'>;
  private readonly writes = new Map<string, Promise<{ digest: Digest; size: number }>>();
  private readonly extractions = new Map<string, Promise<string>>();
  private readonly lock: FileLock;
  private readonly leases: Leases;
  private scratch?: string;

  constructor(root: string, options: StoreOptions = {}) {
    this.root = root;
    this.paths = new StorePaths(root);
    this.options = { compressionLevel: options.compressionLevel ?? 6, extractConcurrency: options.extractConcurrency ?? 2, lockTimeoutMs: options.lockTimeoutMs ?? 120_000, extractWorkers: options.extractWorkers };
    this.lock = new FileLock(this.paths.lock, this.paths.tmp);
    this.leases = new Leases(this.paths);
  }

  /** Create the layout if needed (idempotent, safe to race). */
  async init(): Promise<this> {
    // synchronous calls: every command opens the store first, and each async one costs a thread-pool
    // round trip for what is one short syscall
    secureRoot(this.paths.root);
    for (const d of this.paths.dirs()) mkdirSync(d, { recursive: true, mode: STORE_DIR_MODE });
    const layout = '{"imageLayoutVersion":"1.0.0"}';
    if (readTextOr(this.paths.ociLayout, '') !== layout) await atomicWriteFile(this.paths.ociLayout, layout, this.paths.temp('layout'));
    if (!existsSync(this.paths.index)) {
      await this.withLock(async () => {
        try {
          await stat(this.paths.index);
        } catch {
          await writeIndex(this.paths, { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [] });
        }
      });
    }
    return this;
  }

  /** Drop this instance's GC lease (what it wrote is then only kept if tagged or cached). */
  async close(): Promise<void> {
    await this.leases.close();
    // our own scratch, empty by now unless a step failed to clean up (then the next run's reaper can't
    // tell it from a live one until we are gone, and removes it then)
    if (this.scratch) {
      try {
        rmdirSync(this.scratch); // the usual case: empty (synchronous: no thread-pool wake-up at the end of a build)
      } catch {
        await removeScratch([this.scratch]).catch(() => undefined);
      }
      this.scratch = undefined;
    }
  }

  /** Run `fn` under the store lock (serialised between processes); `signal` ends a wait for it. */
  withLock<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.lock.with(fn, { timeoutMs: this.options.lockTimeoutMs, signal });
  }

  /** this instance's lease file, once it has written something */
  get leaseFile(): string | undefined {
    return this.leases.ownFile;
  }

  /** Keep these items from GC while this instance lives ("blob sha256:…" / "snapshot sha256:…"). */
  lease(items: string[]): Promise<void> {
    return this.leases.add(items);
  }

  // ── blobs ────────────────────────────────────────────────────────────────
  async hasBlob(digest: Digest): Promise<boolean> {
    // synchronous stat: a warm build asks once per cached step, and one µs syscall is far cheaper
    // than a thread-pool round trip
    try {
      return statSync(this.paths.blob(digest), { throwIfNoEntry: false })?.isFile() ?? false;
    } catch {
      return false;
    }
  }

  writeBlob(data: Buffer | Readable, opts: WriteOptions = {}): Promise<{ digest: Digest; size: number }> {
    const key = opts.expected;
    if (key) {
      const have = this.writes.get(key);
      if (have) {
        if (!Buffer.isBuffer(data)) data.resume();
        return have;
      }
    }
    const p = (async () => {
      if (key) await this.lease([`blob ${key}`]);
      const r = await writeBlobTo(this.paths, data, opts);
      await this.lease([`blob ${r.digest}`]);
      return r;
    })();
    if (key) {
      this.writes.set(key, p);
      void p.finally(() => this.writes.delete(key)).catch(() => {});
    }
    return p;
  }

  readBlob(digest: Digest): Promise<Buffer> {
    return readBlobFrom(this.paths, digest);
  }

  blobStream(digest: Digest): Readable {
    return blobStreamOf(this.paths, digest);
  }

  blobPath(digest: Digest): string {
    return this.paths.blob(digest);
  }

  // ── layers and snapshots ────────────────────────────────────────────────
  async writeLayer(tar: Readable, opts: WriteLayerOptions = {}): Promise<LayerRef> {
    const ref = await writeLayer(this.paths, tar, { compressionLevel: this.options.compressionLevel, ...opts }, (d) => this.lease([`blob ${d}`]));
    return ref;
  }

  ensureSnapshots(layers: LayerRef[], opts: { signal?: AbortSignal } = {}): Promise<string[]> {
    return ensureSnapshots({ paths: this.paths, inflight: this.extractions, concurrency: this.options.extractConcurrency, lease: (i) => this.lease(i), writers: this.options.extractWorkers }, layers, opts);
  }

  /** Make `dir` (the last layer's changes in overlay form, same filesystem) the chain's snapshot; false = one exists, `dir` is left to the caller. */
  adoptSnapshot(layers: LayerRef[], dir: string): Promise<boolean> {
    return adoptSnapshot({ paths: this.paths, inflight: this.extractions, lease: (i) => this.lease(i) }, layers, dir);
  }

  /** Flatten layers (lowest first) onto `dest` with OCI whiteout semantics (for `-o type=local`, export). */
  async extractLayers(layers: LayerRef[], dest: string, opts: { signal?: AbortSignal } = {}): Promise<void> {
    await mkdir(dest, { recursive: true });
    for (const l of layers) await applyLayer(this.paths, l, dest, { mode: 'flatten', writers: this.options.extractWorkers, signal: opts.signal });
  }

  // ── images ───────────────────────────────────────────────────────────────
  async putImage(config: ImageConfig, layers: LayerRef[], opts?: { annotations?: Record<string, string> }): Promise<ImageRecord> {
    return putImage(this, config, layers, opts?.annotations);
  }

  /** Like putImage but keeps the config's exact bytes (and so its digest). */
  async putImageConfigBytes(configBytes: Buffer, layers: LayerRef[]): Promise<ImageRecord> {
    return putImageBytes(this, configBytes, parseConfig(configBytes), layers);
  }

  /** Resolve a tag (`name[:tag]`), a manifest digest, or a (≥4 hex) prefix of a manifest or config digest. */
  async resolve(ref: string): Promise<Digest | undefined> {
    if (isDigest(ref)) {
      if (!(await this.hasBlob(ref))) return undefined;
      // an image ID as `images`, -q and --iidfile give it (docker's: the config digest) names the
      // tagged image whose config it is; any other blob digest stands for itself
      const idx = await readIndex(this.paths);
      if (idx.manifests.some((m) => m.digest === ref)) return ref;
      for (const m of idx.manifests) {
        if (imageId(m) === undefined && (await this.loadImage(m.digest).catch(() => undefined))?.configDigest === ref) return m.digest;
      }
      return ref;
    }
    let parsed: ImageReference | undefined;
    try {
      parsed = parseReference(ref);
    } catch (err) {
      // neither a name nor an id (prefix): docker's "invalid reference format", not "no such image"
      if (!/^(sha256:)?[0-9a-f]{4,64}$/.test(ref)) throw err;
    }
    // `name@digest` / `name:tag@digest` pin the content: the digest decides, as in docker
    if (parsed?.digest) return parsed.digest.startsWith('sha256:') && (await this.hasBlob(parsed.digest as Digest)) ? (parsed.digest as Digest) : undefined;
    const idx = await readIndex(this.paths);
    if (parsed) {
      const tag = { ...parsed, tag: parsed.tag ?? 'latest' };
      const name = `${familiarName(tag)}:${tag.tag}`;
      // stores written before names were normalised may hold the canonical spelling
      const canonical = canonicalString(tag);
      const tagged = idx.manifests.find((m) => refName(m) === name) ?? idx.manifests.find((m) => refName(m) === canonical);
      if (tagged) return tagged.digest;
    }
    const hex = ref.startsWith('sha256:') ? ref.slice(7) : ref;
    if (/^[0-9a-f]{4,64}$/.test(hex)) {
      const hits = new Set<Digest>();
      for (const m of idx.manifests) {
        if (m.digest.slice(7).startsWith(hex)) hits.add(m.digest);
        else if (imageId(m) === undefined) {
          const rec = await this.loadImage(m.digest).catch(() => undefined);
          if (rec?.configDigest.slice(7).startsWith(hex)) hits.add(m.digest);
        }
      }
      if (hits.size === 1) return [...hits][0];
      if (hits.size > 1) throw formatError(`ambiguous image id ${ref}`, { ref });
    }
    return undefined;
  }

  /** `platform`: the index entry for it (E_PLATFORM when the index has none); a plain manifest is returned as is. */
  async getImage(nameOrDigest: string, opts: { platform?: Platform } = {}): Promise<ImageRecord | undefined> {
    const d = await this.resolve(nameOrDigest);
    return d ? this.loadImage(d, opts) : undefined;
  }

  /** Read and verify an image by manifest digest (an index picks `opts.platform`'s manifest, else this machine's). */
  async loadImage(manifestDigest: Digest, opts: { platform?: Platform } = {}): Promise<ImageRecord> {
    const buf = await this.readBlob(manifestDigest);
    const doc = parseJson<{ mediaType?: string; manifests?: unknown }>(buf, 'manifest');
    if (isIndex(doc)) {
      const manifests = (doc as OciIndex).manifests;
      const pick = opts.platform ? selectPlatform(manifests, opts.platform) : pickPlatform(manifests);
      if (!pick && opts.platform) throw noSuchPlatform(`image index ${manifestDigest}`, opts.platform, manifests);
      if (!pick) throw formatError(`image index ${manifestDigest} lists no manifests`);
      return this.loadImage(pick.digest);
    }
    const manifest = parseManifest(buf);
    const config = parseConfig(await this.readBlob(manifest.config.digest));
    return { manifestDigest, manifest, configDigest: manifest.config.digest, config, layers: layerRefs(manifest, config) };
  }

  /** The entries of an index (undefined when `digest` is a plain manifest). */
  async indexEntries(digest: Digest): Promise<Descriptor[] | undefined> {
    const doc = parseJson<{ mediaType?: string; manifests?: Descriptor[] }>(await this.readBlob(digest), 'manifest');
    return isIndex(doc) ? (doc.manifests ?? []) : undefined;
  }

  /** Write an OCI index over platform images already in the store (not tagged). */
  async putIndex(images: readonly { manifestDigest: Digest; platform: Platform }[]): Promise<{ digest: Digest; size: number; manifests: Descriptor[] }> {
    const entries = await Promise.all(images.map(async (i) => {
      const buf = await this.readBlob(i.manifestDigest);
      const doc = parseJson<{ mediaType?: string }>(buf, 'manifest');
      return { digest: i.manifestDigest, size: buf.length, mediaType: doc.mediaType ?? MEDIA.ociManifest, platform: i.platform };
    }));
    const { doc, bytes, digest } = indexBytes(entries);
    await this.writeBlob(bytes, { expected: digest });
    return { digest, size: bytes.length, manifests: doc.manifests };
  }

  async tag(name: string, manifestDigest: Digest, opts: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    const ref = normalizeRef(name);
    // a rebuild that changed nothing re-tags the same digest: leave the index (and its lock) alone
    if ((await readIndex(this.paths)).manifests.some((m) => refName(m) === ref && m.digest === manifestDigest) && (await this.hasBlob(manifestDigest))) return;
    const buf = await this.readBlob(manifestDigest).catch((err: unknown) => {
      throw notFound(`cannot tag ${ref}: manifest ${manifestDigest} is not in the store`, { digest: manifestDigest, cause: err });
    });
    const doc = parseJson<{ mediaType?: string; manifests?: unknown }>(buf, 'manifest');
    const mediaType = doc.mediaType ?? (isIndex(doc) ? MEDIA.ociIndex : MEDIA.ociManifest);
    await cancellable('tag', opts.signal, () => this.withLock(async () => writeIndex(this.paths, withTag(await readIndex(this.paths), ref, { mediaType, digest: manifestDigest, size: buf.length })), opts.signal));
  }

  async untag(name: string): Promise<boolean> {
    const ref = normalizeRef(name); // an invalid name is E_INVALID_REFERENCE, as docker rmi says
    return this.withLock(async () => {
      const idx = await readIndex(this.paths);
      const next = withoutTag(idx, ref);
      if (next.manifests.length === idx.manifests.length) return false;
      await writeIndex(this.paths, next);
      return true;
    });
  }

  async listImages(): Promise<ImageSummary[]> {
    const idx = await readIndex(this.paths);
    const out: ImageSummary[] = [];
    for (const m of idx.manifests) {
      const name = refName(m);
      if (!name) continue;
      let rec: ImageRecord;
      try {
        rec = await this.loadImage(m.digest);
      } catch (err) {
        // a tag whose image is corrupt is reported, not silently left out (`fsck` says more)
        const e = err as { code?: string; message?: string };
        const configDigest = await readBlobFrom(this.paths, m.digest).then((b) => (JSON.parse(b.toString('utf8')) as { config?: { digest?: Digest } }).config?.digest, () => undefined);
        out.push({ name, id: imageId(m) ?? configDigest ?? m.digest, manifestDigest: m.digest, configDigest, size: 0, error: { code: typeof e?.code === 'string' && e.code.startsWith('E_') ? e.code : 'E_INTEGRITY', message: e?.message ?? String(err) } });
        continue;
      }
      const size = rec.layers.reduce((n, l) => n + l.size, 0) + rec.manifest.config.size;
      out.push({ name, id: imageId(m) ?? rec.configDigest, manifestDigest: m.digest, configDigest: rec.configDigest, created: rec.config.created, size });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  // ── cache ────────────────────────────────────────────────────────────────
  async putCacheRecord(record: CacheRecord): Promise<void> {
    await putRecord(this.paths, record);
  }

  getCacheRecord(key: string): Promise<CacheRecord | undefined> {
    return getRecord(this.paths, key);
  }

  // ── the builder's other caches ──────────────────────────────────────────
  async cacheMountDir(id: string): Promise<string> {
    await this.lease([mountLease(id)]);
    return cacheMountDir(this.paths, id);
  }

  async getUrlRecord(url: string): Promise<UrlRecord | undefined> {
    const rec = getUrlRecord(this.paths, url);
    if (!rec || !(await this.hasBlob(rec.digest))) return undefined;
    // the content stays through a prune that runs while this build still uses it
    await this.lease([`blob ${rec.digest}`]);
    return rec;
  }

  putUrlRecord(record: UrlRecord): Promise<void> {
    return putUrlRecord(this.paths, record);
  }

  contextCacheFile(): string {
    return this.paths.contextCache;
  }

  // ── maintenance ─────────────────────────────────────────────────────────
  /** `signal` cancels it before the sweep (E_CANCELLED); once removing, it finishes (each removal is whole). */
  gc(opts: { all?: boolean; signal?: AbortSignal } = {}): Promise<GcStats> {
    return cancellable('prune', opts.signal, () => this.withLock(async () => {
      const marked = await mark(this.paths, { keepCache: !opts.all, ownLease: this.leases.ownFile });
      opts.signal?.throwIfAborted();
      return sweep(this.paths, marked, { dropCache: !!opts.all });
    }, opts.signal));
  }

  fsck(): Promise<FsckProblem[]> {
    return fsck(this.paths);
  }

  /**
   * This process's scratch dir (ROOT/tmp/proc-<pid>-<start>-<pid ns>, created on first use): what a build
   * puts here is found and removed after a SIGKILL by the next run (`deadScratch`) and `prune`.
   */
  tmpDir(): string {
    return (this.scratch ??= ownScratch(this.paths.tmp));
  }

  /** Scratch dirs of processes that are gone (a killed build's steps, mounts, exports). */
  deadScratch(): string[] {
    return deadScratch(this.paths.tmp);
  }

  /** Remove dead scratch dirs with nothing mounted below them (the caller unmounts first). */
  removeScratch(dirs: string[]): Promise<{ removed: string[]; busy: string[] }> {
    return removeScratch(dirs);
  }
}

/**
 * The image ID of an index.json entry when the entry alone says it: a multi-platform image's is its
 * index digest (as buildx's --iidfile; no one config is it). undefined: a single image, whose ID is
 * its config digest (docker's).
 */
function imageId(entry: { mediaType: string; digest: Digest }): Digest | undefined {
  return INDEX_TYPES.includes(entry.mediaType) ? entry.digest : undefined;
}

export async function openStore(root: string = defaultRoot(), options: StoreOptions = {}): Promise<Store> {
  try {
    // absolute: paths under the root are used from other working directories (an overlay mount
    // with many layers runs in its scratch dir, where a relative `--root` named nothing: ENOENT)
    return await new Store(resolve(root), options).init();
  } catch (err) {
    if (errno(err) === 'EACCES') throw formatError(`cannot use store root ${root}: permission denied (use --root or $TSBUILD_ROOT)`, { root });
    throw err;
  }
}

/** a small file's text, or `fallback` when it cannot be read */
function readTextOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}
