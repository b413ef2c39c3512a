/** Decode manifests/configs (OCI or Docker schema 2) and pair layers with their diffIDs. */
import { hostPlatform, selectPlatform, type Platform } from './platform.js';
import type { Digest, ImageConfig, LayerRef, Manifest, Descriptor } from '../types.js';
import { INDEX_TYPES, MANIFEST_TYPES, LAYER_TYPES } from './media.js';
import { formatError } from '../errors.js';
import { isDigest } from '../digest.js';

export interface ParsedIndex { mediaType: string; manifests: Descriptor[] }

export function parseJson<T>(buf: Buffer, what: string): T {
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch (err) {
    throw formatError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

export function isIndex(doc: { mediaType?: string; manifests?: unknown }): boolean {
  return (doc.mediaType !== undefined && INDEX_TYPES.includes(doc.mediaType)) || (doc.mediaType === undefined && Array.isArray(doc.manifests));
}

export function parseManifest(buf: Buffer): Manifest {
  const m = parseJson<Manifest>(buf, 'manifest');
  if (m.schemaVersion !== 2) throw formatError(`unsupported manifest schemaVersion ${String(m.schemaVersion)}`);
  const mt = m.mediaType ?? 'application/vnd.oci.image.manifest.v1+json';
  if (!MANIFEST_TYPES.includes(mt)) throw formatError(`unsupported manifest media type ${mt}`);
  if (!m.config || !isDigest(m.config.digest)) throw formatError('manifest has no valid config descriptor');
  if (!Array.isArray(m.layers)) throw formatError('manifest has no layers array');
  for (const l of m.layers) {
    if (!isDigest(l.digest)) throw formatError(`manifest layer has invalid digest ${String(l.digest)}`);
    if (!LAYER_TYPES.includes(l.mediaType)) throw formatError(`unsupported layer media type ${l.mediaType}`);
  }
  return m;
}

export function parseConfig(buf: Buffer): ImageConfig {
  const c = parseJson<ImageConfig>(buf, 'image config');
  if (!c.rootfs || !Array.isArray(c.rootfs.diff_ids)) throw formatError('image config has no rootfs.diff_ids');
  for (const d of c.rootfs.diff_ids) if (!isDigest(d)) throw formatError(`image config has invalid diff_id ${String(d)}`);
  c.config ??= {};
  return c;
}

export function layerRefs(manifest: Manifest, config: ImageConfig): LayerRef[] {
  const ids = config.rootfs.diff_ids;
  if (ids.length !== manifest.layers.length) throw formatError(`manifest has ${manifest.layers.length} layers but config has ${ids.length} diff_ids`);
  return manifest.layers.map((l, i) => ({ digest: l.digest, diffID: ids[i] as Digest, size: l.size, mediaType: l.mediaType }));
}

/** Pick the manifest for this machine from an index (linux on this architecture), else the first. */
export function pickPlatform(manifests: Descriptor[], host: Platform = hostPlatform()): Descriptor | undefined {
  return selectPlatform(manifests, host) ?? manifests.find((m) => !m.platform) ?? manifests[0];
}
