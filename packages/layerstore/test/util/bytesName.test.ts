import { describe, expect, it } from 'vitest';
import { decodeName, encodeName, fsName, hasEscapes } from '../../src/util/bytesName.js';

describe('file names as bytes', () => {
  const cases: Array<[string, Buffer]> = [
    ['ascii', Buffer.from('plain-name.txt')],
    ['valid UTF-8', Buffer.from('café ☕ 𝄞')],
    ['a genuine U+FFFD', Buffer.from('a\ufffdb')],
    ['latin-1 byte', Buffer.from([0x62, 0x61, 0x64, 0xff, 0x6e])],
    ['truncated sequence', Buffer.from([0x61, 0xe2, 0x82])],
    ['overlong slash', Buffer.from([0xc0, 0xaf])],
    ['encoded surrogate', Buffer.from([0xed, 0xb2, 0x80])],
    ['mixed', Buffer.concat([Buffer.from('é'), Buffer.from([0xfe, 0x80]), Buffer.from('x')])],
  ];
  it.each(cases)('%s round-trips exactly', (_n, bytes) => {
    const s = decodeName(bytes);
    expect(encodeName(s).equals(bytes)).toBe(true);
    const valid = Buffer.from(bytes.toString('utf8')).equals(bytes);
    expect(hasEscapes(s)).toBe(!valid);
    expect(typeof fsName(s)).toBe(valid ? 'string' : 'object');
  });

  it('decodes a slice of a buffer', () => {
    const b = Buffer.from([0x00, 0x61, 0xff, 0x00]);
    expect(encodeName(decodeName(b, 1, 3))).toEqual(Buffer.from([0x61, 0xff]));
  });
});
