/**
 * The header encoder and the packer against the bytes tar-stream 3.2.2 produced for the same input
 * (digests taken before it was removed), and GNU tar reading them back.
 */
import { describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { encodeHeader, packTar, parseTar, TarPack, TarSizeError, type TarHeader } from '../../src/tar/index.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const T = 1_700_000_000;

describe('encodeHeader', () => {
  test('sizes of 8 GiB and more in base-256, below in octal (as tar-stream wrote them)', () => {
    expect(sha(encodeHeader({ name: 'big', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 9 * 1024 ** 3 + 5, mtime: T })!)).toBe('e43fc2ab89e2d35b985c30eb0b6f11daa6a913c2215f15b3c07dd221a14eb436');
    expect(sha(encodeHeader({ name: 'huge', type: 'file', mode: 0o600, uid: 1, gid: 2, size: 2 ** 40 + 511, mtime: 0 })!)).toBe('51befa5aa45a34937060c447e080bebcf42e4a1762a74f7036fe2fa50a84d1ab');
    expect(sha(encodeHeader({ name: 'o11', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 8 * 1024 ** 3 - 1, mtime: 1e9 })!)).toBe('228e0b787893bd8294864f462121fce70f29ce14479d14de294384fb15d563fe');
    const h = encodeHeader({ name: 'big', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 9 * 1024 ** 3 + 5, mtime: T })!;
    expect(h[124]).toBe(0x80);
    expect(h.readUIntBE(130, 6)).toBe(9 * 1024 ** 3 + 5);
  });

  test('device numbers past 6 octal digits, uname/gname', () => {
    expect(sha(encodeHeader({ name: 'dev', type: 'character-device', mode: 0o666, uid: 0, gid: 0, size: 0, mtime: 1e9, devmajor: 0o7777777, devminor: 5, uname: 'root', gname: 'wheel' })!)).toBe('35020e3ca6fd7026ffedd20d49226e7f32bd8e7ac0acb15a364b8b0b6f7d8a18');
  });

  test('a name that does not fit (no split, non-ASCII) or a target over 100 bytes needs PAX', () => {
    expect(encodeHeader({ name: 'x'.repeat(101), type: 'file', mode: 0, uid: 0, gid: 0, size: 0, mtime: 0 })).toBeNull();
    expect(encodeHeader({ name: `${'p'.repeat(156)}/n`, type: 'file', mode: 0, uid: 0, gid: 0, size: 0, mtime: 0 })).toBeNull();
    expect(encodeHeader({ name: 'é', type: 'file', mode: 0, uid: 0, gid: 0, size: 0, mtime: 0 })).toBeNull();
    expect(encodeHeader({ name: 's', type: 'symlink', mode: 0, uid: 0, gid: 0, size: 0, mtime: 0, linkname: 'é'.repeat(51) })).toBeNull();
    expect(encodeHeader({ name: 's', type: 'symlink', mode: 0, uid: 0, gid: 0, size: 0, mtime: 0, linkname: 'é'.repeat(50) })).not.toBeNull();
  });
});

describe('TarPack', () => {
  const entries = [
    { header: { name: `x/${'é'.repeat(60)}`, mode: 0o640, uid: 3, gid: 4, mtime: new Date(T * 1000), uname: 'u', gname: 'g', pax: { 'SCHILY.xattr.user.a': 'v', comment: 'hi' } }, body: 'body' },
    { header: { name: 'd', type: 'directory' as const, mode: 0o755, mtime: new Date(T * 1000) } },
    { header: { name: 's', type: 'symlink' as const, linkname: 't'.repeat(120), mtime: new Date(T * 1000) } },
    { header: { name: 'c', type: 'character-device' as const, devmajor: 4, devminor: 64, mode: 0o620, gid: 5, mtime: new Date(T * 1000) } },
  ];

  test('PAX records, long targets, devices: the bytes tar-stream wrote; our reader and GNU tar read them back', async () => {
    const buf = packTar(entries);
    expect(sha(buf)).toBe('6b9a371e96a92b0e7c4272dc361b8bae1bec0c0c0eb9888f9f1352579d19d17b');
    const got: TarHeader[] = [];
    await parseTar(Readable.from([buf]), { entry: (h) => void got.push(h), data: () => {}, end: () => {} });
    expect(got.map((h) => [h.name, h.type, h.mode, h.uid, h.gid, h.uname, h.gname, h.linkname, h.devmajor, h.devminor])).toEqual([
      [`x/${'é'.repeat(60)}`, 'file', 0o640, 3, 4, 'u', 'g', '', 0, 0],
      ['d', 'directory', 0o755, 0, 0, '', '', '', 0, 0],
      ['s', 'symlink', 0o644, 0, 0, '', '', 't'.repeat(120), 0, 0],
      ['c', 'character-device', 0o620, 0, 5, '', '', '', 4, 64],
    ]);
    expect(got[0]!.xattrs.get('user.a')).toEqual(Buffer.from('v'));
    const dir = mkdtempSync(join(tmpdir(), 'tarpack-'));
    try {
      writeFileSync(join(dir, 't.tar'), buf);
      const l = execFileSync('tar', ['--numeric-owner', '-tvf', join(dir, 't.tar')], { env: { ...process.env, TZ: 'UTC' } }).toString().trimEnd().split('\n');
      expect(l.map((s) => s.split(/ +/).slice(0, 2).join(' '))).toEqual(['-rw-r----- 3/4', 'drwxr-xr-x 0/0', 'lrw-r--r-- 0/0', 'crw--w---- 0/5']);
      expect(l[2]).toContain(`s -> ${'t'.repeat(120)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('streamed bodies: exactly the announced size, else TarSizeError; output in chunks of 64 KiB', async () => {
    const p = new TarPack();
    const chunks: Buffer[] = [];
    const read = (async () => { for await (const c of p) chunks.push(c as Buffer); })();
    for (let i = 0; i < 300; i++) {
      await p.ready();
      p.entry({ name: `f${i}`, mtime: T }, 'x'.repeat(i));
    }
    await p.entryFrom({ name: 'big', size: 100_000, mtime: T }, Readable.from([Buffer.alloc(60_000, 1), Buffer.alloc(40_000, 2)]));
    await expect(p.entryFrom({ name: 'short', size: 10, mtime: T }, Readable.from([Buffer.alloc(9)]))).rejects.toBeInstanceOf(TarSizeError);
    p.finalize();
    await read;
    expect(chunks.slice(0, -1).every((c) => c.length >= 16 * 1024)).toBe(true);
    const names: string[] = [];
    let bigSum = 0;
    await parseTar(Readable.from([Buffer.concat(chunks).subarray(0)]), {
      entry: (h) => void names.push(h.name),
      data: (c) => { if (names.at(-1) === 'big') for (const b of c) bigSum += b; },
      end: () => {},
    }).catch(() => undefined);
    expect(names.slice(0, 3)).toEqual(['f0', 'f1', 'f2']);
    expect(names).toContain('big');
    expect(bigSum).toBe(60_000 + 80_000);
  });
});
