/**
 * The layer writer's bytes are pinned: each case of emit-cases.ts must give the digest the
 * tar-stream-based writer gave (main before the own tar module; see emit-cases.ts), and GNU tar
 * must read every layer back with the names, owners, modes and times it was given.
 */
import { describe, expect, test, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emitLayer, type Change } from '../../src/diff/emit.js';
import { emitCases, EPOCH_CASES } from './emit-cases.js';

const GOLDEN: Record<string, string> = {
  'plain': 'b5a2c1400d7e3c02b28986c83ffc291d7f7107feccc005886310afbe6245754e',
  'name-100': 'ac5b2d7f54bfd745ed7cc7eb4c363eb590cf1a0993895b47a198cf6b4d1730e3',
  'name-prefix-split': 'd803ff0ccf162c9f159ad1555139dcd635c3e706c1fe6c6b6c88ef323f64eb77',
  'name-prefix-156': '4c02cb5d3c8db83a167cbd3c35bb448850ed5134fbd5a7711b40cfec6056bae1',
  'name-over-255': '89dd3fe7bd1ab0230c5deb7280c65621fda44ac11f79214525a8146fed49d944',
  'name-utf8': '378c158ff57041df98660d338cbd66b79046e1d1833f0f41159c0cfb3f6079c0',
  'name-not-utf8': 'cc8de6e91db0a392f5f73a7a919591fe76c351863b639b7af3a0d3c511dadd4d',
  'link-long': 'd32fde9484523f44c5ee08f596345b67619c84959f8ee006f771f74e886daaa6',
  'link-utf8': 'e9707bded597d686183e397bc4fc6780e8d92aa316dff4d95ae82b7a303a9496',
  'link-not-utf8': 'f6780570a7552de829aee9bb758e48f9b49a18f9d9cdbdb32ff53451f669f1c2',
  'ids-big': '4c49dad83923992457b908e82e8d68bddd6b0280c5ca3c28119afc646ff7dcb1',
  'devices': 'f69f7dbb8945a53cfb9b7f9d56c36dfc840827c534b9e022077c475a6eacee49',
  'hardlinks': 'ac55c0773b8b66585768fe5f0b71bab170b634faa58225b37f9862d5c63ba3d4',
  'modes': '4ad4ba0bbd0062bc9b760e7f7b942a40d73c84e66010eef1515aa5cd9d41efb8',
  'mtimes': 'd1794fe9f4f31e20910ed08d577fee6089685717adb8059197bd7aee462b21a7',
  'sizes': 'f330a3c557045623e7e97ef35217c043fda976f0070fc1d91f2d0f1fac748022',
  'plain@1600000000': '9a160ec5483b1450c74b65dca185adfb63ebae21639f56e2503a94e7f9125105',
  'mtimes@0': '84724d4a8d5415a0dfb1541251e204788637e00c2aa4d129377988a8b4b6b853',
  'ids-big@2000000000': '4c49dad83923992457b908e82e8d68bddd6b0280c5ca3c28119afc646ff7dcb1',
};

let dir: string;
let cases: Record<string, Change[]>;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'emit-golden-'));
  cases = emitCases(join(dir, 'src'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function layer(changes: Change[], sourceDateEpoch?: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of emitLayer(changes, { sourceDateEpoch })) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function gnuList(buf: Buffer): string[] {
  const f = join(dir, 'l.tar');
  writeFileSync(f, buf);
  return execFileSync('tar', ['--numeric-owner', '--full-time', '-tvf', f], { env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } }).toString('latin1').trimEnd().split('\n');
}

describe('layer bytes as before the own tar module', () => {
  for (const name of Object.keys(GOLDEN)) {
    test(name, async () => {
      const [k, e] = name.split('@') as [string, string | undefined];
      const buf = await layer(cases[k]!, e === undefined ? undefined : Number(e));
      expect(createHash('sha256').update(buf).digest('hex')).toBe(GOLDEN[name]);
      expect(buf.length % 512).toBe(0);
      expect(gnuList(buf).length).toBe(cases[k]!.length);
    });
  }
});

describe('GNU tar reads the edge cases back', () => {
  test('names: 100 chars, prefix split at 155, PAX path past 255, UTF-8, \\xff as a byte', async () => {
    const l = [
      ...gnuList(await layer(cases['name-100']!)),
      ...gnuList(await layer(cases['name-prefix-split']!)),
      ...gnuList(await layer(cases['name-prefix-156']!)),
      ...gnuList(await layer(cases['name-over-255']!)),
      ...gnuList(await layer(cases['name-not-utf8']!)),
    ].map((s) => s.split(/ +/).slice(5).join(' '));
    expect(l).toEqual([
      'a'.repeat(100), `${'b'.repeat(99)}/`,
      `${'p'.repeat(50)}/${'n'.repeat(100)}`, `${'p'.repeat(155)}/${'n'.repeat(100)}`,
      `${'p'.repeat(156)}/${'n'.repeat(100)}`, `${'p'.repeat(156)}/${'n'.repeat(100)}/`,
      `${'d'.repeat(120)}/${'e'.repeat(120)}/${'f'.repeat(120)}`, `${'d'.repeat(120)}/${'e'.repeat(120)}/${'f'.repeat(120)}/`, 'x'.repeat(101),
      'bad\\377name', 'dir\\377/',
    ]);
  });

  test('owners past the octal fields, devices, fifo, hardlinks, mtimes', async () => {
    const ids = gnuList(await layer(cases['ids-big']!)).map((s) => s.split(/ +/).slice(0, 2).join(' '));
    expect(ids).toEqual(['-rw-r--r-- 262143/262143', '-rw-r--r-- 262144/5', '-rw-r--r-- 2097152/4294967294', 'drwx------ 100000/3000000', '-rw-r--r-- 300000/0']);
    const dev = gnuList(await layer(cases.devices!)).map((s) => s.split(/ +/).slice(0, 3).join(' '));
    expect(dev).toEqual(['crw-rw-rw- 0/0 1,3', 'brw-rw---- 0/6 7,0', 'brw-rw---- 0/0 259,66305', 'prw------- 0/0 0']);
    const hl = gnuList(await layer(cases.hardlinks!));
    expect(hl[1]).toMatch(/^hrw-r--r-- 0\/0 +0 .* b link to a$/);
    const mt = gnuList(await layer(cases.mtimes!)).map((s) => s.split(/ +/).slice(3, 5).join(' '));
    expect(mt).toEqual(['1970-01-01 00:00:00', '1969-12-31 00:00:00', '2023-11-14 22:13:20', '2038-01-19 03:14:07', '2038-01-19 03:14:08', '2300-01-01 00:00:00']);
    const clamped = gnuList(await layer(cases.mtimes!, 0)).map((s) => s.split(/ +/).slice(3, 5).join(' '));
    expect(clamped).toEqual(['1970-01-01 00:00:00', '1969-12-31 00:00:00', ...Array(4).fill('1970-01-01 00:00:00')]);
  });
});
