/**
 * Write a build's cache records and the layer blobs they reference to an OCI image layout
 * (`--cache-to type=local,dest=DIR`). Blobs are copied from the store, re-hashed on the way;
 * index.json is replaced last, atomically, so a reader sees the old export or the new one.
 */
import type { LayerStore } from '@tsbuild/layerstore';
import { cacheArtifact } from './artifact.js';
import { collectKeys } from './collectKeys.js';
import { CacheLayout } from './layout.js';
import { CACHE_REF, OCI_INDEX, OCI_MANIFEST, REF_NAME_ANNOTATION } from './media.js';
import type { ExportCacheOptions, ExportCacheResult } from './types.js';

export async function exportCache(store: LayerStore, opts: ExportCacheOptions): Promise<ExportCacheResult> {
  const mode = opts.mode ?? 'min';
  const records = await collectKeys(store, { result: opts.result, keys: opts.keys, mode });
  const layout = new CacheLayout(opts.dest);
  await layout.init();

  let bytesWritten = 0;
  const artifact = await cacheArtifact(records, mode, async (data) => {
    const blob = await layout.putBytes(data);
    bytesWritten += blob.written;
    return blob;
  });
  for (const d of artifact.layerBlobs) bytesWritten += await layout.putFile(store.blobPath(d.digest), d.digest, d.size);
  const manifestBlob = await layout.putBytes(artifact.bytes);
  bytesWritten += manifestBlob.written;
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [{ mediaType: OCI_MANIFEST, artifactType: artifact.manifest.artifactType, digest: manifestBlob.digest, size: manifestBlob.size, annotations: { [REF_NAME_ANNOTATION]: CACHE_REF } }],
  };
  await layout.writeFileAtomic(layout.indexPath, JSON.stringify(index));
  return { manifestDigest: manifestBlob.digest, records: records.length, blobs: artifact.layerBlobs.length, bytesWritten };
}
