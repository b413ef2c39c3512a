/**
 * OCI image indexes in the store: pick the manifest for one platform out of an index, and write
 * an index over platform images (a multi-platform build's result). The registry's pulls pick
 * from a remote index with the same `selectManifest`.
 */
import { createHash } from 'node:crypto';
import type { Descriptor, Digest } from '../types.js';
import { MEDIA } from './media.js';
import { StoreError } from '../errors.js';

export interface IndexPlatform { os: string; architecture: string; variant?: string }

/** An index entry for one platform image. */
export interface IndexEntry { digest: Digest; size: number; mediaType?: string; platform: IndexPlatform }

export interface OciIndexDoc { schemaVersion: 2; mediaType: string; manifests: Descriptor[] }

export function formatIndexPlatform(p: IndexPlatform): string {
  return [p.os, p.architecture, ...(p.variant ? [p.variant] : [])].join('/');
}

/**
 * The entry for `want` (os/architecture already normalised by the caller): same os and
 * architecture, the same variant first; when `want` names no variant, the first of the
 * architecture. Attestation manifests (platform unknown/unknown) never match.
 */
export function selectManifest<T extends { platform?: IndexPlatform }>(manifests: readonly T[], want: IndexPlatform): T | undefined {
  const same = manifests.filter((m) => m.platform && m.platform.os === want.os && m.platform.architecture === want.architecture);
  return same.find((m) => (m.platform!.variant ?? '') === (want.variant ?? '')) ?? (want.variant ? undefined : same[0]);
}

/** E_PLATFORM: the index has no image for the platform (the message lists what it has). */
export function noSuchPlatform(what: string, want: IndexPlatform, manifests: readonly { platform?: IndexPlatform }[]): StoreError {
  const have = manifests.filter((m) => m.platform && m.platform.os !== 'unknown').map((m) => formatIndexPlatform(m.platform!));
  return new StoreError('E_PLATFORM', `${what} has no image for platform ${formatIndexPlatform(want)} (it has ${have.length ? have.join(', ') : 'none'})`, { platform: formatIndexPlatform(want), available: have });
}

/** The index document over `entries` (in the order given) and its bytes. */
export function indexBytes(entries: readonly IndexEntry[]): { doc: OciIndexDoc; bytes: Buffer; digest: Digest } {
  const doc: OciIndexDoc = {
    schemaVersion: 2,
    mediaType: MEDIA.ociIndex,
    manifests: entries.map((e) => ({ mediaType: e.mediaType ?? MEDIA.ociManifest, digest: e.digest, size: e.size, platform: { architecture: e.platform.architecture, os: e.platform.os, ...(e.platform.variant ? { variant: e.platform.variant } : {}) } })),
  };
  const bytes = Buffer.from(JSON.stringify(doc));
  return { doc, bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest };
}
