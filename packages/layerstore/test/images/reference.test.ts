import { describe, it, expect } from 'vitest';
import { canonicalString, familiarString, normalizeRef, parseDockerRef, parseReference } from '@tsbuild/layerstore';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseReference (docker ParseNormalizedNamed)', () => {
  // input → canonical form (docker.io/library/…), familiar form
  it.each([
    ['alpine', 'docker.io/library/alpine', 'alpine'],
    ['alpine:3.20', 'docker.io/library/alpine:3.20', 'alpine:3.20'],
    ['library/alpine', 'docker.io/library/alpine', 'alpine'],
    ['docker.io/library/busybox', 'docker.io/library/busybox', 'busybox'],
    ['index.docker.io/library/busybox:1', 'docker.io/library/busybox:1', 'busybox:1'],
    ['docker.io/busybox', 'docker.io/library/busybox', 'busybox'],
    ['user/app', 'docker.io/user/app', 'user/app'],
    ['docker.io/user/app/sub', 'docker.io/user/app/sub', 'user/app/sub'],
    ['localhost/app', 'localhost/app', 'localhost/app'],
    ['localhost:5000/app:v1', 'localhost:5000/app:v1', 'localhost:5000/app:v1'],
    ['127.0.0.1:5000/a/b:v1', '127.0.0.1:5000/a/b:v1', '127.0.0.1:5000/a/b:v1'],
    ['ghcr.io/org/base', 'ghcr.io/org/base', 'ghcr.io/org/base'],
    ['[::1]:5000/x', '[::1]:5000/x', '[::1]:5000/x'],
    ['Example.COM/x', 'Example.COM/x', 'Example.COM/x'],
    ['UPPERHOST/x', 'UPPERHOST/x', 'UPPERHOST/x'],
    [`alpine@${D}`, `docker.io/library/alpine@${D}`, `alpine@${D}`],
    [`alpine:3.20@${D}`, `docker.io/library/alpine:3.20@${D}`, `alpine:3.20@${D}`],
    [`host:5000/r:t@${D}`, `host:5000/r:t@${D}`, `host:5000/r:t@${D}`],
    ['my-app_x.y:Tag_1', 'docker.io/library/my-app_x.y:Tag_1', 'my-app_x.y:Tag_1'],
    ['a__b---c', 'docker.io/library/a__b---c', 'a__b---c'],
    ['x:' + 'T'.repeat(128), 'docker.io/library/x:' + 'T'.repeat(128), 'x:' + 'T'.repeat(128)],
  ])('%s', (input, canonical, familiar) => {
    const r = parseReference(input);
    expect(canonicalString(r)).toBe(canonical);
    expect(familiarString(r)).toBe(familiar);
  });

  // input → docker's own error text
  it.each([
    ['platform-', 'invalid reference format'],
    ['', 'invalid reference format'],
    ['a:', 'invalid reference format'],
    [':tag', 'invalid reference format'],
    ['a b', 'invalid reference format'],
    ['a//b', 'invalid reference format'],
    ['a:b:c', 'invalid reference format'],
    ['-a', 'invalid reference format'],
    ['a..b', 'invalid reference format'],
    ['a___b', 'invalid reference format'],
    ['host:port/x', 'invalid reference format'],
    ['x:' + 'T'.repeat(129), 'invalid reference format'],
    ['x:-tag', 'invalid reference format'],
    ['UPPER', 'invalid reference format: repository name (library/UPPER) must be lowercase'],
    ['Uxts/Mini:UP', 'invalid reference format: repository name (Mini) must be lowercase'],
    ['docker.io/Foo/bar', 'invalid reference format: repository name (Foo/bar) must be lowercase'],
    ['a'.repeat(64), `invalid repository name (${'a'.repeat(64)}), cannot specify 64-byte hexadecimal strings`],
    ['a/' + 'b'.repeat(260), 'repository name must not be more than 255 characters'],
    ['a@sha256:abc', 'invalid reference format'],
    [`a@sha256:${'a'.repeat(63)}`, 'invalid checksum digest length'],
    [`a@sha256:${'A'.repeat(64)}`, 'invalid checksum digest format'],
    [`a@md5:${'a'.repeat(32)}`, 'unsupported digest algorithm'],
  ])('rejects %j: %s', (input, reason) => {
    let err: { code?: string; message?: string; data?: { reason?: string; ref?: string } } = {};
    try {
      parseReference(input);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe('E_INVALID_REFERENCE');
    expect(err.data?.reason).toBe(reason);
    expect(err.data?.ref).toBe(input);
    expect(err.message).toContain(JSON.stringify(input));
  });
});

describe('parseDockerRef', () => {
  it('implies :latest and drops the tag when a digest pins it', () => {
    expect(canonicalString(parseDockerRef('busybox'))).toBe('docker.io/library/busybox:latest');
    expect(canonicalString(parseDockerRef(`busybox:1@${D}`))).toBe(`docker.io/library/busybox@${D}`);
  });
});

describe('normalizeRef (store tag names)', () => {
  it.each([
    ['busybox', 'busybox:latest'],
    ['busybox:1.36', 'busybox:1.36'],
    ['library/busybox', 'busybox:latest'],
    ['docker.io/library/busybox', 'busybox:latest'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['127.0.0.1:5000/a/b:v1', '127.0.0.1:5000/a/b:v1'],
    ['my-app_x.y:Tag_1', 'my-app_x.y:Tag_1'],
  ])('%s → %s', (input, want) => expect(normalizeRef(input)).toBe(want));

  it.each(['UPPER', 'a:', ':tag', 'a b', 'a//b', 'a:b:c', `a@${D}`])('rejects %s with E_INVALID_REFERENCE', (bad) => {
    expect(() => normalizeRef(bad)).toThrow(expect.objectContaining({ code: 'E_INVALID_REFERENCE' }));
  });
});
