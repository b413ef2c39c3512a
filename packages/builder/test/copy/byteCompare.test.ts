import { describe, expect, it } from 'vitest';
import { byteCompare } from '../../src/copy/wildcard.js';

describe('byteCompare (UTF-8 byte order, as Go sorts names)', () => {
  it('agrees with comparing the UTF-8 bytes, across ASCII, BMP, private-use and astral characters', () => {
    const pool = ['', 'a', 'b', 'Z', 'ab', 'a\u0000', 'é', '\u00ff', '日本', '\ue000', '\ufffd', '\uffff', '😀', '😁', '𝄞', 'x😀y', 'x\uffffy', 'f00001', 'f0001'];
    for (const a of pool) {
      for (const b of pool) {
        expect([a, b, Math.sign(byteCompare(a, b))]).toEqual([a, b, Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)))]);
      }
    }
  });
});
