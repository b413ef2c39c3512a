import { describe, expect, it } from 'vitest';
import { formatPlatform, normalizeArch, ociArch, parsePlatform, platformMatches, selectPlatform } from '@tsbuild/layerstore';
import { pickPlatform } from '../../src/images/parse.js';

describe('platforms (one helper, like containerd platforms)', () => {
  it('maps Node arches to OCI names', () => {
    expect(ociArch('x64')).toEqual({ architecture: 'amd64' });
    expect(ociArch('ia32')).toEqual({ architecture: '386' });
    expect(ociArch('arm64')).toEqual({ architecture: 'arm64' });
    expect(ociArch('arm', 7)).toEqual({ architecture: 'arm', variant: 'v7' });
    expect(ociArch('arm', 6)).toEqual({ architecture: 'arm', variant: 'v6' });
    expect(ociArch('s390x')).toEqual({ architecture: 's390x' });
    expect(['ppc64le', 'ppc64']).toContain(ociArch('ppc64').architecture);
  });

  it('normalises aliases and default variants', () => {
    expect(normalizeArch('x86_64')).toEqual({ architecture: 'amd64' });
    expect(normalizeArch('amd64', 'v1')).toEqual({ architecture: 'amd64' });
    expect(normalizeArch('amd64', 'v3')).toEqual({ architecture: 'amd64', variant: 'v3' });
    expect(normalizeArch('aarch64', 'v8')).toEqual({ architecture: 'arm64' });
    expect(normalizeArch('armhf')).toEqual({ architecture: 'arm', variant: 'v7' });
    expect(normalizeArch('armel')).toEqual({ architecture: 'arm', variant: 'v6' });
    expect(normalizeArch('arm', '5')).toEqual({ architecture: 'arm', variant: 'v5' });
    expect(normalizeArch('i386')).toEqual({ architecture: '386' });
  });

  it('parses and formats os[/arch[/variant]]', () => {
    const host = { os: 'linux', architecture: 'amd64' };
    expect(parsePlatform('Linux/X86_64', host)).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux', host)).toEqual(host);
    expect(parsePlatform('linux/arm/v7', host)).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(formatPlatform({ os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe('linux/arm64/v8');
    for (const bad of ['', 'linux/', 'a/b/c/d', 'linux/amd 64']) expect(() => parsePlatform(bad, host)).toThrow(expect.objectContaining({ code: 'E_FORMAT' }));
  });

  it('matches and picks the host manifest from an index', () => {
    expect(platformMatches({ os: 'linux', architecture: 'x86_64' }, { os: 'linux', architecture: 'amd64', variant: 'v1' })).toBe(true);
    expect(platformMatches({ os: 'linux', architecture: 'arm', variant: 'v7' }, { os: 'linux', architecture: 'arm', variant: 'v6' })).toBe(false);
    const d = (architecture: string, n: string) => ({ mediaType: 'm', digest: `sha256:${n.repeat(64)}` as const, size: 1, platform: { os: 'linux', architecture } });
    expect(pickPlatform([d('arm64', 'a'), d('amd64', 'b')], { os: 'linux', architecture: 'amd64' })?.digest).toBe(`sha256:${'b'.repeat(64)}`);
    expect(pickPlatform([d('arm64', 'a'), d('amd64', 'b')], { os: 'linux', architecture: 'arm64' })?.digest).toBe(`sha256:${'a'.repeat(64)}`);
    // the exact variant first (arm64's v8 and amd64's v1 are the defaults), then none
    const v = (architecture: string, variant: string | undefined, n: string) => ({ ...d(architecture, n), platform: { os: 'linux', architecture, ...(variant ? { variant } : {}) } });
    expect(selectPlatform([v('amd64', 'v3', 'a'), v('amd64', 'v1', 'b')], { os: 'linux', architecture: 'amd64' })?.digest).toBe(`sha256:${'b'.repeat(64)}`);
    expect(selectPlatform([v('arm64', 'v8', 'c')], { os: 'linux', architecture: 'arm64' })?.digest).toBe(`sha256:${'c'.repeat(64)}`);
    expect(selectPlatform([v('arm', 'v6', 'a'), v('arm', 'v7', 'b')], { os: 'linux', architecture: 'arm', variant: 'v7' })?.digest).toBe(`sha256:${'b'.repeat(64)}`);
    expect(selectPlatform([v('arm', 'v6', 'a')], { os: 'linux', architecture: 'arm', variant: 'v7' })).toBeUndefined();
    // no platform entry for this host: the index's unlabelled manifest, else its first
    expect(pickPlatform([d('s390x', 'a'), { ...d('x', 'e'), platform: undefined }], { os: 'linux', architecture: 'amd64' })?.digest).toBe(`sha256:${'e'.repeat(64)}`);
  });
});
