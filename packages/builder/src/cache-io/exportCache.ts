/**
 * Write a build's cache records and the layer blobs they reference to an OCI image layout
 * (`--cache-to type=local,dest=DIR`). Blobs are copied from the store, re-hashed on the way;
 * index.json is replaced last, atomically, so a reader sees the old export or the new one.
 */
import type { Descriptor, Digest, LayerStore } from '@tsbuild/layerstore';
import { collectKeys } from './collectKeys.js';
import { CacheLayout } from './layout.js';
import { CACHE_KEY_ANNOTATION, CACHE_MEDIA, CACHE_REF, OCI_INDEX, OCI_MANIFEST, REF_NAME_ANNOTATION } from './media.js';
import type { CacheConfig, ExportCacheOptions, ExportCacheResult } from './types.js';

export async function exportCache(store: LayerStore, opts: ExportCacheOptions): Promise<ExportCacheResult> {
  const mode = opts.mode ?? 'min';
  const records = await collectKeys(store, { result: opts.result, keys: opts.keys, mode });
  const layout = new CacheLayout(opts.dest);
  await layout.init();

  let bytesWritten = 0;
  const recordDescs: Descriptor[] = [];
  const config: CacheConfig = { version: 1, mode, records: [] };
  for (const { key, record } of records) {
    const blob = await layout.putBytes(Buffer.from(JSON.stringify(record)));
    bytesWritten += blob.written;
    recordDescs.push({ mediaType: CACHE_MEDIA.record, digest: blob.digest, size: blob.size, annotations: { [CACHE_KEY_ANNOTATION]: key } });
    config.records.push({ key, digest: blob.digest });
  }

  const layerDescs = new Map<Digest, Descriptor>();
  for (const { record } of records) {
    for (const l of record.layers) if (!layerDescs.has(l.digest)) layerDescs.set(l.digest, { mediaType: l.mediaType, digest: l.digest, size: l.size });
  }
  for (const d of layerDescs.values()) bytesWritten += await layout.putFile(store.blobPath(d.digest), d.digest, d.size);

  const configBlob = await layout.putBytes(Buffer.from(JSON.stringify(config)));
  bytesWritten += configBlob.written;
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: CACHE_MEDIA.artifact,
    config: { mediaType: CACHE_MEDIA.config, digest: configBlob.digest, size: configBlob.size },
    layers: [...recordDescs, ...layerDescs.values()],
  };
  const manifestBlob = await layout.putBytes(Buffer.from(JSON.stringify(manifest)));
  bytesWritten += manifestBlob.written;
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [{ mediaType: OCI_MANIFEST, artifactType: CACHE_MEDIA.artifact, digest: manifestBlob.digest, size: manifestBlob.size, annotations: { [REF_NAME_ANNOTATION]: CACHE_REF } }],
  };
  await layout.writeFileAtomic(layout.indexPath, JSON.stringify(index));
  return { manifestDigest: manifestBlob.digest, records: records.length, blobs: layerDescs.size, bytesWritten };
}
