/** Bad input gives a clear, coded error and leaves the store exactly as it was. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, readdirSync, readFileSync, writeFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync, createGzip } from 'node:zlib';
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { openStore, importRootfs, saveImages, loadArchive, type Store } from '@tsbuild/layerstore';
import { makeTar, type TarEntry } from '../../packages/layerstore/test/helpers.js';
import { busyboxRootfsTar } from '../helpers/busybox.js';

let dir: string;
let store: Store;
let good: string;

beforeAll(async () => {
  dir = mkdtempSync('/var/tmp/ls-bad-');
  store = await openStore(join(dir, 'root'));
  good = (await importRootfs(store, busyboxRootfsTar(), 'good:1')).manifestDigest;
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** every file in the store except scratch (tmp/) and live-session leases, with its hash */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const n of readdirSync(join(root, rel))) {
      const r = rel ? `${rel}/${n}` : n;
      if (r === 'tmp' || r === 'sessions') continue;
      const st = statSync(join(root, r));
      if (st.isDirectory()) walk(r);
      else out[r] = createHash('sha256').update(readFileSync(join(root, r))).digest('hex');
    }
  };
  walk('');
  return out;
}

async function expectUnchanged(fn: () => Promise<unknown>, code: string): Promise<void> {
  const before = snapshot(store.root);
  await expect(fn()).rejects.toMatchObject({ code });
  expect(snapshot(store.root)).toEqual(before);
  expect(await store.fsck()).toEqual([]);
}

async function tarFile(name: string, entries: TarEntry[]): Promise<string> {
  const p = join(dir, name);
  writeFileSync(p, await makeTar(entries));
  return p;
}

describe('bad input leaves the store unchanged', () => {
  it('truncated tar → E_BAD_ARCHIVE', async () => {
    const full = readFileSync(busyboxRootfsTar());
    const p = join(dir, 'trunc.tar');
    writeFileSync(p, full.subarray(0, Math.floor(full.length / 2) + 100));
    await expectUnchanged(() => importRootfs(store, p, 'trunc:1'), 'E_BAD_ARCHIVE');
    const gz = join(dir, 'trunc.tar.gz');
    writeFileSync(gz, gzipSync(full).subarray(0, 100_000));
    await expectUnchanged(() => importRootfs(store, gz, 'trunc:2'), 'E_BAD_ARCHIVE');
  });

  it('../ entries → E_UNSAFE_PATH', async () => {
    const p = await tarFile('dotdot.tar', [{ name: 'ok', content: 'x' }, { name: '../../etc/evil', content: 'x' }]);
    await expectUnchanged(() => importRootfs(store, p, 'evil:1'), 'E_UNSAFE_PATH');
  });

  it('absolute entries → E_UNSAFE_PATH', async () => {
    const p = await tarFile('abs.tar', [{ name: '/etc/evil', content: 'x' }]);
    await expectUnchanged(() => importRootfs(store, p, 'evil:2'), 'E_UNSAFE_PATH');
  });

  it('writing through a symlink that points outside → E_UNSAFE_PATH, nothing written outside', async () => {
    const target = join(dir, 'outside');
    const p = await tarFile('symlink.tar', [{ name: 'a', type: 'symlink', linkname: target }, { name: 'a/evil', content: 'x' }]);
    await expectUnchanged(() => importRootfs(store, p, 'evil:3'), 'E_UNSAFE_PATH');
    expect(existsSync(join(target, 'evil'))).toBe(false);
  });

  it('an archive whose manifest does not match its digest → E_INTEGRITY', async () => {
    const ok = join(dir, 'ok-oci.tar');
    await saveImages(store, ['good:1'], ok, { format: 'oci' });
    const x = join(dir, 'x');
    execFileSync('mkdir', ['-p', x]);
    execFileSync('tar', ['-xf', ok, '-C', x]);
    const mpath = join(x, 'blobs/sha256', good.slice(7));
    const m = JSON.parse(readFileSync(mpath, 'utf8')) as { annotations?: Record<string, string> };
    m.annotations = { tampered: 'yes' };
    writeFileSync(mpath, JSON.stringify(m));
    const bad = join(dir, 'tampered.tar');
    execFileSync('tar', ['-cf', bad, '-C', x, '.']);
    const fresh = await openStore(join(dir, 'fresh'));
    const before = snapshot(fresh.root);
    await expect(loadArchive(fresh, bad)).rejects.toMatchObject({ code: 'E_INTEGRITY' });
    expect(snapshot(fresh.root)).toEqual(before);
    expect(readdirSync(join(fresh.root, 'blobs/sha256'))).toEqual([]);
    await fresh.close();
  });

  it('a layer whose diffID does not match the config → E_INTEGRITY', async () => {
    const ok = join(dir, 'ok-docker.tar');
    await saveImages(store, ['good:1'], ok, { format: 'docker' });
    const x = join(dir, 'y');
    execFileSync('mkdir', ['-p', x]);
    execFileSync('tar', ['-xf', ok, '-C', x]);
    // replace manifest.json's layer with another valid layer blob
    const other = join(x, 'other.tar.gz');
    writeFileSync(other, gzipSync(await makeTar([{ name: 'other', content: 'o' }])));
    const mj = JSON.parse(readFileSync(join(x, 'manifest.json'), 'utf8')) as { Layers: string[] }[];
    mj[0]!.Layers = ['other.tar.gz'];
    writeFileSync(join(x, 'manifest.json'), JSON.stringify(mj));
    execFileSync('rm', [join(x, 'index.json')]);
    const bad = join(dir, 'wrong-diff.tar');
    execFileSync('tar', ['-cf', bad, '-C', x, '.']);
    const fresh = await openStore(join(dir, 'fresh2'));
    await expect(loadArchive(fresh, bad)).rejects.toMatchObject({ code: 'E_INTEGRITY' });
    expect(readdirSync(join(fresh.root, 'blobs/sha256'))).toEqual([]);
    expect(await fresh.listImages()).toEqual([]);
    await fresh.close();
  });

  it('a gzip bomb is cut off at the declared bound → E_TOO_LARGE', async () => {
    // a tar declaring 1 GiB of zeros, ~1 MiB gzipped; import bounded at 64 MiB
    const bomb = join(dir, 'bomb.tar.gz');
    const GiB = 1 << 30;
    const tarHead = (await makeTar([{ name: 'zeros', content: Buffer.alloc(1) }])).subarray(0, 512);
    // patch the size field of a real header: 1 GiB, octal, then fix the checksum
    const h = Buffer.from(tarHead);
    h.write(GiB.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
    h.fill(' ', 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    async function* body() {
      yield h;
      const zero = Buffer.alloc(1 << 20);
      for (let i = 0; i < 1024; i++) yield zero;
      yield Buffer.alloc(1024);
    }
    await pipeline(Readable.from(body()), createGzip({ level: 1 }), createWriteStream(bomb));
    expect(statSync(bomb).size).toBeLessThan(16 << 20);
    const t0 = Date.now();
    await expectUnchanged(() => importRootfs(store, bomb, 'bomb:1', { maxBytes: 64 << 20 }), 'E_TOO_LARGE');
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('zstd-compressed rootfs on Node 20 → E_FORMAT naming the Node version', async () => {
    const { zstdSupported } = await import('@tsbuild/layerstore');
    if (zstdSupported()) return;
    const z = join(dir, 'rootfs.tar.zst');
    // a zstd frame header (magic 28 b5 2f fd) is all detection needs; real zstd when the tool is there
    if (spawnSync('zstd', ['-q', '-f', busyboxRootfsTar(), '-o', z]).status !== 0) writeFileSync(z, Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(64)]));
    await expectUnchanged(() => importRootfs(store, z, 'zstd:1'), 'E_FORMAT');
    await expect(importRootfs(store, z, 'zstd:1')).rejects.toThrow(/Node >= 22\.15/);
  });
});
