import { describe, expect, it } from 'vitest';
import { parseCacheSpec } from '../../src/cache-io/parseCacheSpec.js';

describe('parseCacheSpec', () => {
  it('--cache-to type=local with dest, mode defaulting to min', () => {
    expect(parseCacheSpec('type=local,dest=/tmp/c', 'to')).toEqual({ type: 'local', dest: '/tmp/c', mode: 'min', ignoreError: false });
    expect(parseCacheSpec('type=local,dest=/tmp/c,mode=max', 'to')).toEqual({ type: 'local', dest: '/tmp/c', mode: 'max', ignoreError: false });
    expect(parseCacheSpec('mode=max,dest=d,type=local,ignore-error=true', 'to')).toEqual({ type: 'local', dest: 'd', mode: 'max', ignoreError: true });
  });
  it('--cache-from type=local with src', () => {
    expect(parseCacheSpec('type=local,src=/tmp/c', 'from')).toEqual({ type: 'local', src: '/tmp/c' });
  });
  it('type=registry with ref (mode for --cache-to); a bare reference means type=registry', () => {
    expect(parseCacheSpec('type=registry,ref=reg:5000/app:cache,mode=max', 'to')).toEqual({ type: 'registry', ref: 'reg:5000/app:cache', mode: 'max', ignoreError: false });
    expect(parseCacheSpec('type=registry,ref=x', 'to')).toEqual({ type: 'registry', ref: 'x', mode: 'min', ignoreError: false });
    expect(parseCacheSpec('user/app:cache', 'from')).toEqual({ type: 'registry', ref: 'user/app:cache' });
  });
  it('CSV quoting keeps commas and = in values', () => {
    expect(parseCacheSpec('type=local,"dest=/tmp/a,b=c"', 'to')).toMatchObject({ type: 'local', dest: '/tmp/a,b=c' });
    expect(parseCacheSpec('type=local,"src=/x ""y"""', 'from')).toEqual({ type: 'local', src: '/x "y"' });
  });
  it.each([
    ['', 'to'],
    ['dest=/x', 'to'],
    ['type=registry', 'to'],
    ['type=registry,ref=Bad/Ref', 'from'],
    ['type=registry,ref=x,dest=/d', 'to'],
    ['type=registry,ref=x,mode=max', 'from'],
    ['type=local', 'to'],
    ['type=local', 'from'],
    ['type=local,dest=/x', 'from'],
    ['type=local,src=/x', 'to'],
    ['type=local,dest=/x,mode=all', 'to'],
    ['type=local,dest=/x,ignore-error=yes', 'to'],
    ['type=local,dest=/x,dest=/y', 'to'],
    ['type=local,dest=/x,novalue', 'to'],
    ['type=local,"dest=/x', 'to'],
  ] as const)('%j (--cache-%s) is E_USAGE', (text, dir) => {
    expect(() => parseCacheSpec(text, dir as 'to')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});
