/**
 * The build cache through a registry (`--cache-to type=registry,ref=REG/REPO:TAG[,mode=min|max]`,
 * `--cache-from type=registry,ref=…`): the same OCI artifact the local layout holds (exportCache.ts:
 * a manifest of artifactType CACHE_MEDIA.artifact whose config lists the records, whose layers are
 * the record blobs then the layer blobs), pushed as an artifact so CI runners share one cache.
 *
 * Import reads the manifest and the (small) record blobs only. Layer blobs stay in the registry
 * until a step needs them: `withRemoteBlobs` makes the store report them present (so the steps
 * hit) and downloads one, verified, the first time a snapshot, a flatten or the final image needs
 * it. A second runner thus downloads only the layers its outputs need.
 */
import pLimit from 'p-limit';
import { downloadBlob, parseDockerRef, pushManifest, readBlobFromRegistry, resolveManifest, familiarString, type CacheRecord, type Descriptor, type Digest, type Endpoint, type LayerRef, type LayerStore, type RegistryClient, type Store, type TransferEvent } from '@tsbuild/layerstore';
import { BuildError } from '../errors.js';
import { cacheArtifact } from './artifact.js';
import { collectKeys } from './collectKeys.js';
import { parseRecord } from './importCache.js';
import { CACHE_MEDIA, OCI_MANIFEST } from './media.js';
import type { BuildCacheSource, CacheMode } from './types.js';

export interface RegistryCacheExport { manifestDigest: Digest; records: number; blobs: number; uploadedBlobs: number; mountedBlobs: number }

export async function exportCacheToRegistry(store: Store, client: RegistryClient, opts: { ref: string; mode: CacheMode; result: BuildCacheSource; onProgress?: (e: TransferEvent) => void }): Promise<RegistryCacheExport> {
  const records = await collectKeys(store, { result: opts.result, mode: opts.mode });
  const artifact = await cacheArtifact(records, opts.mode, (data) => store.writeBlob(data));
  const { manifest, bytes } = artifact;
  const r = await pushManifest(store, opts.ref, { bytes, mediaType: OCI_MANIFEST, blobs: [manifest.config, ...manifest.layers] }, { client, onProgress: opts.onProgress });
  return { manifestDigest: r.digest, records: records.length, blobs: artifact.layerBlobs.length, uploadedBlobs: r.uploadedBlobs, mountedBlobs: r.mountedBlobs };
}

/** Layer blobs a registry cache named, fetched on first use. */
export interface RemoteBlobs {
  blobs: Map<Digest, { desc: Descriptor; ep: Endpoint; repo: string; display: string }>;
  /** imported records, served by the wrapped store; persisted at the end once their layers are local */
  records: Map<string, CacheRecord>;
  client: RegistryClient;
  onProgress?: (e: TransferEvent) => void;
  /** the unwrapped store (set by withRemoteBlobs) */
  local?: Store;
}

export interface RegistryCacheImport { records: number; existing: number; remoteLayers: number }

export async function importCacheFromRegistry(store: Store, remote: RemoteBlobs, ref: string): Promise<RegistryCacheImport> {
  const r = parseDockerRef(ref);
  const display = familiarString(r);
  const top = await resolveManifest(remote.client, r, display);
  const m = JSON.parse(top.bytes.toString('utf8')) as { config?: Descriptor; layers?: Descriptor[] };
  if (m.config?.mediaType !== CACHE_MEDIA.config || !Array.isArray(m.layers)) throw new BuildError('E_CACHE_IMPORT', `${display}: not a tsbuild cache (manifest ${top.digest} has config type ${String(m.config?.mediaType)})`);
  const limit = pLimit(4);
  const recordDescs = m.layers.filter((d) => d.mediaType === CACHE_MEDIA.record);
  const records = await Promise.all(recordDescs.map((d) => limit(async () => parseRecord(display, d, await readBlobFromRegistry(remote.client, top.endpoint, r.path, d, display)))));
  for (const d of m.layers) if (d.mediaType !== CACHE_MEDIA.record) remote.blobs.set(d.digest, { desc: d, ep: top.endpoint, repo: r.path, display });
  let written = 0;
  let existing = 0;
  for (const rec of records) {
    if (await store.getCacheRecord(rec.key)) {
      existing++;
      continue;
    }
    if (!rec.layers.every((l) => remote.blobs.has(l.digest))) continue;
    // kept in memory: a record in the store whose layer never gets downloaded would be a dangling
    // reference (fsck); persistRemoteRecords writes those whose layers did arrive
    remote.records.set(rec.key, rec);
    written++;
  }
  return { records: written, existing, remoteLayers: remote.blobs.size };
}

/** After the build: the imported records whose layers are now in the store become the store's own. */
export async function persistRemoteRecords(wrapped: Store, remote: RemoteBlobs): Promise<number> {
  const store = remote.local ?? wrapped;
  let n = 0;
  for (const rec of remote.records.values()) {
    if (await store.getCacheRecord(rec.key)) continue;
    const present = await Promise.all(rec.layers.map((l) => store.hasBlob(l.digest)));
    if (present.includes(false)) continue;
    await store.putCacheRecord(rec);
    n++;
  }
  return n;
}

/**
 * The store as the solver sees it while a registry cache is in use: blobs the cache names count
 * as present, and are downloaded (once, verified) before anything reads them.
 */
export function withRemoteBlobs(store: Store, remote: RemoteBlobs): Store {
  remote.local = store;
  const inflight = new Map<string, Promise<void>>();
  const fetchOne = (d: Digest): Promise<void> => {
    let p = inflight.get(d);
    if (!p) {
      p = (async () => {
        if (await store.hasBlob(d)) return;
        const src = remote.blobs.get(d);
        if (!src) return;
        await downloadBlob({ store, client: remote.client, ep: src.ep, repo: src.repo, display: src.display, progress: (e) => remote.onProgress?.({ type: 'transfer', action: 'pull', ref: src.display, kind: 'layer', ...e }), opts: remote.client.options }, src.desc);
      })();
      inflight.set(d, p);
      p.catch(() => inflight.delete(d));
    }
    return p;
  };
  const ensure = (layers: Pick<LayerRef, 'digest'>[]) => Promise.all(layers.map((l) => fetchOne(l.digest)));
  const wrapped = Object.create(store) as Store;
  Object.assign(wrapped, {
    async hasBlob(d: Digest): Promise<boolean> {
      return remote.blobs.has(d) || store.hasBlob(d);
    },
    async getCacheRecord(key: string): Promise<CacheRecord | undefined> {
      return (await store.getCacheRecord(key)) ?? remote.records.get(key);
    },
    async ensureSnapshots(layers: LayerRef[], opts?: { signal?: AbortSignal }): Promise<string[]> {
      await ensure(layers);
      return store.ensureSnapshots(layers, opts);
    },
    async extractLayers(layers: LayerRef[], dest: string): Promise<void> {
      await ensure(layers);
      return store.extractLayers(layers, dest);
    },
    /** every blob of these layers in the store (before the image is written, pushed or exported) */
    ensureBlobs: ensure,
    /** the store underneath (pulls write there: solve/images.ts) */
    localStore: store,
  });
  return wrapped;
}

export function ensureLocalBlobs(store: LayerStore, layers: Pick<LayerRef, 'digest'>[]): Promise<unknown> {
  const f = (store as { ensureBlobs?: (l: Pick<LayerRef, 'digest'>[]) => Promise<unknown> }).ensureBlobs;
  return f ? f(layers) : Promise.resolve();
}
