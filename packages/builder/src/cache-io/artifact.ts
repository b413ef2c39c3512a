/**
 * The build cache as an OCI artifact, the one shape both exports write (a local layout,
 * exportCache.ts; a registry, registryCache.ts) and importCache reads: a manifest of artifactType
 * CACHE_MEDIA.artifact whose config lists the records by key, whose layers are the record blobs
 * (annotated with their key) followed by the layer blobs they name, each once.
 */
import type { Descriptor, Digest } from '@tsbuild/layerstore';
import type { CollectedRecord } from './collectKeys.js';
import { CACHE_KEY_ANNOTATION, CACHE_MEDIA, OCI_MANIFEST } from './media.js';
import type { CacheConfig, CacheMode } from './types.js';

export interface CacheArtifact {
  manifest: { schemaVersion: 2; mediaType: string; artifactType: string; config: Descriptor; layers: Descriptor[] };
  /** the manifest's exact bytes */
  bytes: Buffer;
  /** the layer blobs the records name (not written by cacheArtifact: the caller copies or pushes them) */
  layerBlobs: Descriptor[];
}

/** Write the records and the config through `put` (the destination's blob writer) and make the manifest. */
export async function cacheArtifact(records: CollectedRecord[], mode: CacheMode, put: (data: Buffer) => Promise<{ digest: Digest; size: number }>): Promise<CacheArtifact> {
  const recordDescs: Descriptor[] = [];
  const config: CacheConfig = { version: 1, mode, records: [] };
  for (const { key, record } of records) {
    const b = await put(Buffer.from(JSON.stringify(record)));
    recordDescs.push({ mediaType: CACHE_MEDIA.record, digest: b.digest, size: b.size, annotations: { [CACHE_KEY_ANNOTATION]: key } });
    config.records.push({ key, digest: b.digest });
  }
  const layerDescs = new Map<Digest, Descriptor>();
  for (const { record } of records) {
    for (const l of record.layers) if (!layerDescs.has(l.digest)) layerDescs.set(l.digest, { mediaType: l.mediaType, digest: l.digest, size: l.size });
  }
  const cfg = await put(Buffer.from(JSON.stringify(config)));
  const manifest: CacheArtifact['manifest'] = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: CACHE_MEDIA.artifact,
    config: { mediaType: CACHE_MEDIA.config, digest: cfg.digest, size: cfg.size },
    layers: [...recordDescs, ...layerDescs.values()],
  };
  return { manifest, bytes: Buffer.from(JSON.stringify(manifest)), layerBlobs: [...layerDescs.values()] };
}
