/** Write an image: config blob + OCI manifest blob → ImageRecord (not tagged). */
import type { Digest, ImageConfig, ImageRecord, LayerRef, Manifest } from '../types.js';
import { MEDIA } from './media.js';
import { layerRefs } from './parse.js';
import { formatError } from '../errors.js';
import { sha256 } from '../digest.js';

export interface BlobWriter {
  writeBlob(data: Buffer, opts?: { expected?: Digest }): Promise<{ digest: Digest; size: number }>;
}

export function serializeConfig(config: ImageConfig): Buffer {
  return Buffer.from(JSON.stringify(config));
}

/** `configBytes` are stored verbatim (loads keep the exact config digest). */
export async function putImageBytes(store: BlobWriter, configBytes: Buffer, config: ImageConfig, layers: LayerRef[], annotations?: Record<string, string>): Promise<ImageRecord> {
  const ids = config.rootfs?.diff_ids ?? [];
  if (ids.length !== layers.length || ids.some((d, i) => d !== layers[i]!.diffID)) {
    throw formatError('config rootfs.diff_ids do not match the layers given', { diffIDs: ids, layers: layers.map((l) => l.diffID) });
  }
  // the manifest needs only the config's digest: both blobs are written at once
  const cfg = { digest: sha256(configBytes), size: configBytes.length };
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, digest: cfg.digest, size: cfg.size },
    layers: layers.map((l) => ({ mediaType: ociLayerType(l.mediaType), digest: l.digest, size: l.size })),
    // `--annotation`: only when given, so every other manifest (and its digest) is as before
    ...(annotations && Object.keys(annotations).length ? { annotations: { ...annotations } } : {}),
  };
  const [, m] = await Promise.all([store.writeBlob(configBytes), store.writeBlob(Buffer.from(JSON.stringify(manifest)))]);
  return { manifestDigest: m.digest, manifest, configDigest: cfg.digest, config, layers: layerRefs(manifest, config) };
}

export function putImage(store: BlobWriter, config: ImageConfig, layers: LayerRef[], annotations?: Record<string, string>): Promise<ImageRecord> {
  return putImageBytes(store, serializeConfig(config), config, layers, annotations);
}

function ociLayerType(mt: string): string {
  if (mt === MEDIA.dockerLayerGzip) return MEDIA.ociLayerGzip;
  return mt;
}
