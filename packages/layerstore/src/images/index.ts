/**
 * OCI image indexes in the store: the error for an index without a platform, and the index a
 * multi-platform build writes over its platform images. Picking an entry is platform.ts's
 * selectPlatform (the registry's pulls use the same).
 */
import type { Descriptor, Digest } from '../types.js';
import { MEDIA } from './media.js';
import { StoreError } from '../errors.js';
import { formatPlatform, type Platform } from './platform.js';
import { sha256 } from '../digest.js';

/** An index entry for one platform image. */
export interface IndexEntry { digest: Digest; size: number; mediaType?: string; platform: Platform }

export interface OciIndexDoc { schemaVersion: 2; mediaType: string; manifests: Descriptor[] }

/** E_PLATFORM: the index has no image for the platform (the message lists what it has). */
export function noSuchPlatform(what: string, want: Platform, manifests: readonly { platform?: Platform }[]): StoreError {
  const have = manifests.filter((m) => m.platform && m.platform.os !== 'unknown').map((m) => formatPlatform(m.platform!));
  return new StoreError('E_PLATFORM', `${what} has no image for platform ${formatPlatform(want)} (it has ${have.length ? have.join(', ') : 'none'})`, { platform: formatPlatform(want), available: have });
}

/** The index document over `entries` (in the order given) and its bytes. */
export function indexBytes(entries: readonly IndexEntry[]): { doc: OciIndexDoc; bytes: Buffer; digest: Digest } {
  const doc: OciIndexDoc = {
    schemaVersion: 2,
    mediaType: MEDIA.ociIndex,
    manifests: entries.map((e) => ({ mediaType: e.mediaType ?? MEDIA.ociManifest, digest: e.digest, size: e.size, platform: { architecture: e.platform.architecture, os: e.platform.os, ...(e.platform.variant ? { variant: e.platform.variant } : {}) } })),
  };
  const bytes = Buffer.from(JSON.stringify(doc));
  return { doc, bytes, digest: sha256(bytes) };
}
