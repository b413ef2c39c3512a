import { describe, expect, it } from 'vitest';
import { indexBytes, noSuchPlatform } from '../../src/images/index.js';
import { selectPlatform as selectManifest } from '../../src/images/platform.js';

const m = (architecture: string, variant?: string, os = 'linux') => ({ digest: `sha256:${architecture}${variant ?? ''}`, platform: { os, architecture, ...(variant ? { variant } : {}) } });

describe('image index platform selection', () => {
  const list = [m('unknown', undefined, 'unknown'), m('amd64'), m('arm', 'v6'), m('arm', 'v7'), m('arm64', 'v8')];
  it('same os and architecture; the same variant first, else the first when none is asked', () => {
    expect(selectManifest(list, { os: 'linux', architecture: 'arm', variant: 'v7' })?.digest).toBe('sha256:armv7');
    expect(selectManifest(list, { os: 'linux', architecture: 'arm', variant: 'v5' })).toBeUndefined();
    expect(selectManifest(list, { os: 'linux', architecture: 'arm64' })?.digest).toBe('sha256:arm64v8');
    expect(selectManifest(list, { os: 'linux', architecture: 's390x' })).toBeUndefined();
  });
  it('E_PLATFORM lists what the index has (attestations left out)', () => {
    const e = noSuchPlatform('image index x', { os: 'linux', architecture: 's390x' }, list);
    expect(e.code).toBe('E_PLATFORM');
    expect(e.message).toBe('image index x has no image for platform linux/s390x (it has linux/amd64, linux/arm/v6, linux/arm/v7, linux/arm64/v8)');
  });
  it('writes an OCI index whose digest is its bytes', () => {
    const { doc, bytes, digest } = indexBytes([{ digest: 'sha256:aa' as never, size: 3, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } }]);
    expect(doc.manifests[0]).toEqual({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:aa', size: 3, platform: { architecture: 'arm', os: 'linux', variant: 'v7' } });
    expect(JSON.parse(bytes.toString())).toEqual(doc);
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
