import { describe, expect, it } from 'vitest';
import { cacheKey, KEY_VERSION } from '../../src/solve/cacheKey.js';
import { canonicalJson } from '../../src/solve/canonicalJson.js';

describe('cacheKey', () => {
  it('is independent of key order and undefined fields', () => {
    const a = cacheKey({ parent: 'p', op: 'RUN', instruction: { b: 1, a: [1, { y: 2, x: 1 }] }, user: undefined });
    const b = cacheKey({ op: 'RUN', instruction: { a: [1, { x: 1, y: 2 }], b: 1 }, parent: 'p' });
    expect(a).toBe(b);
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
  it('changes with every input', () => {
    const base = { parent: 'p', op: 'RUN', instruction: ['sh'], env: ['A=1'], user: '', workdir: '/', network: 'host' };
    const k = cacheKey(base);
    for (const change of [{ parent: 'q' }, { env: ['A=2'] }, { user: 'app' }, { workdir: '/x' }, { network: 'none' }, { instruction: ['sh', '-c'] }, { sources: 'sha256:1' }, { from: 'k' }]) {
      expect(cacheKey({ ...base, ...change })).not.toBe(k);
    }
  });
  it('hashes a versioned canonical JSON', () => {
    expect(KEY_VERSION).toBeGreaterThan(0);
    expect(canonicalJson({ b: [1, undefined], a: 'x' })).toBe('{"a":"x","b":[1,null]}');
  });
});
