/** 20 images on one 3-layer base: base blobs stored once, base snapshots unpacked once. */
import { describe, it, expect, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { packTar } from '@tsbuild/layerstore/tar';
import { openStore, type ImageConfig, type LayerRef } from '@tsbuild/layerstore';

const dir = mkdtempSync('/var/tmp/ls-dedup-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** a layer tar with one incompressible file of `size` bytes */
async function layerTar(name: string, size: number): Promise<Buffer> {
  return packTar([
    { header: { name: `${name}/`, type: 'directory', mode: 0o755, mtime: new Date(0) } },
    { header: { name: `${name}/data.bin`, mode: 0o644, mtime: new Date(0) }, body: randomBytes(size) },
  ]);
}

const du = (p: string) => Number(execFileSync('du', ['-sk', p], { encoding: 'utf8' }).split('\t')[0]) * 1024;

describe('dedup', () => {
  it('stores and unpacks a shared base once', async () => {
    const store = await openStore(join(dir, 'root'));
    const baseTars = await Promise.all(['b1', 'b2', 'b3'].map((n) => layerTar(n, 2 << 20)));
    for (let i = 0; i < 20; i++) {
      // every image writes the base again, as a build or a load would
      const base: LayerRef[] = [];
      for (const t of baseTars) base.push(await store.writeLayer(Readable.from([t])));
      const own = await store.writeLayer(Readable.from([await layerTar(`app${i}`, 16 << 10)]));
      const layers = [...base, own];
      const config: ImageConfig = { architecture: 'amd64', os: 'linux', config: { Cmd: [`app${i}`] }, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) } };
      const rec = await store.putImage(config, layers);
      await store.tag(`app${i}:latest`, rec.manifestDigest);
      const snaps = await store.ensureSnapshots(rec.layers);
      expect(readFileSync(join(snaps[3]!, `app${i}/data.bin`)).length).toBe(16 << 10);
    }
    const blobs = readdirSync(join(store.root, 'blobs/sha256'));
    expect(blobs).toHaveLength(3 + 20 * 3); // base once; per image: own layer, config, manifest
    expect(readdirSync(join(store.root, 'snapshots'))).toHaveLength(3 + 20);
    const base = 3 * (2 << 20);
    // one copy of the base in blobs and one in snapshots, plus 20 × 16 KiB and metadata
    expect(du(join(store.root, 'blobs'))).toBeLessThan(base * 1.1 + 20 * 64 * 1024);
    expect(du(join(store.root, 'snapshots'))).toBeLessThan(base * 1.1 + 20 * 64 * 1024);
    expect(await store.listImages()).toHaveLength(20);
    expect(await store.fsck()).toEqual([]);
    await store.close();
  });
});
