import { describe, it, expect } from 'vitest';
import { normalizeRef } from '@tsbuild/layerstore';

describe('normalizeRef', () => {
  it.each([
    ['busybox', 'busybox:latest'],
    ['busybox:1.36', 'busybox:1.36'],
    ['library/busybox', 'library/busybox:latest'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['127.0.0.1:5000/a/b:v1', '127.0.0.1:5000/a/b:v1'],
    ['my-app_x.y:Tag_1', 'my-app_x.y:Tag_1'],
    // Docker Hub names in their familiar form (skopeo writes docker.io/… into docker-archives)
    ['docker.io/localbase/debian:bookworm', 'localbase/debian:bookworm'],
    ['docker.io/library/busybox:1', 'busybox:1'],
    ['index.docker.io/library/busybox', 'busybox:latest'],
  ])('%s → %s', (input, want) => expect(normalizeRef(input)).toBe(want));

  it.each(['UPPER', 'a:', ':tag', 'a b', 'a//b', 'a:b:c'])('rejects %s with E_FORMAT', (bad) => {
    expect(() => normalizeRef(bad)).toThrow(expect.objectContaining({ code: 'E_FORMAT' }));
  });
});
