import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { readdirSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { openStore, chainIDs, defaultRoot, sha256, type Store, type ImageConfig } from '@tsbuild/layerstore';
import { makeTar, tarStream, tempDir } from './helpers.js';

let tmp: { dir: string; cleanup: () => void };
let store: Store;
beforeEach(async () => {
  tmp = tempDir();
  store = await openStore(join(tmp.dir, 'root'));
});
afterEach(async () => {
  await store.close();
  tmp.cleanup();
});

const cfg = (diffIDs: string[]): ImageConfig => ({ architecture: 'amd64', os: 'linux', config: { Env: ['A=1'] }, rootfs: { type: 'layers', diff_ids: diffIDs as ImageConfig['rootfs']['diff_ids'] } });

describe('layout and defaults', () => {
  it('creates an OCI image layout', () => {
    expect(JSON.parse(readFileSync(join(store.root, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    expect(JSON.parse(readFileSync(join(store.root, 'index.json'), 'utf8')).manifests).toEqual([]);
  });
  it('defaultRoot follows $TSBUILD_ROOT, root, XDG', () => {
    expect(defaultRoot({ TSBUILD_ROOT: '/x' }, 0)).toBe('/x');
    expect(defaultRoot({}, 0)).toBe('/var/lib/tsbuild');
    expect(defaultRoot({ XDG_DATA_HOME: '/home/u/.data' }, 1000)).toBe('/home/u/.data/tsbuild');
    expect(defaultRoot({ HOME: '/home/u' }, 1000)).toBe('/home/u/.local/share/tsbuild');
  });
  it('writes blobs, records and tags when the store\'s directories were removed after it was opened', async () => {
    for (const d of ['tmp', 'cache', 'blobs']) rmSync(join(store.root, d), { recursive: true, force: true });
    const blob = await store.writeBlob(Buffer.from('hello'));
    expect(readFileSync(store.blobPath(blob.digest), 'utf8')).toBe('hello');
    await store.putCacheRecord({ key: 'k', layers: [], config: cfg([]), createdAt: '2020-01-01T00:00:00Z' });
    expect((await store.getCacheRecord('k'))?.key).toBe('k');
    const img = await store.putImage(cfg([]), []);
    await store.tag('again:1', img.manifestDigest);
    expect(await store.resolve('again:1')).toBe(img.manifestDigest);
    expect(readdirSync(join(store.root, 'tmp'))).toEqual([]);
  });
  it("lists each image by docker's image ID (the config digest; an index's own digest) and resolves that ID to the tagged image", async () => {
    const amd = await store.putImage(cfg([]), []);
    const arm = await store.putImage({ ...cfg([]), architecture: 'arm64' }, []);
    const index = await store.putIndex([{ manifestDigest: amd.manifestDigest, platform: { os: 'linux', architecture: 'amd64' } }, { manifestDigest: arm.manifestDigest, platform: { os: 'linux', architecture: 'arm64' } }]);
    await store.tag('one:1', amd.manifestDigest);
    await store.tag('multi:1', index.digest);
    const list = await store.listImages();
    expect(list.map((i) => [i.name, i.id])).toEqual([['multi:1', index.digest], ['one:1', amd.configDigest]]);
    expect(amd.configDigest).not.toBe(amd.manifestDigest);
    // the ID, whole or as a prefix, and the manifest digest all name the tagged image
    expect(await store.resolve(amd.configDigest)).toBe(amd.manifestDigest);
    expect(await store.resolve(amd.configDigest.slice(7, 19))).toBe(amd.manifestDigest);
    expect(await store.resolve(amd.manifestDigest)).toBe(amd.manifestDigest);
    expect(await store.resolve(index.digest)).toBe(index.digest);
    expect((await store.getImage(amd.configDigest))?.manifestDigest).toBe(amd.manifestDigest);
    // an untagged manifest's digest still stands for itself
    expect(await store.resolve(arm.manifestDigest)).toBe(arm.manifestDigest);
  });
  it('chainIDs follow the OCI spec', () => {
    const a = sha256('a');
    const b = sha256('b');
    const expected = `sha256:${createHash('sha256').update(`${a} ${b}`).digest('hex')}`;
    expect(chainIDs([a, b])).toEqual([a, expected]);
  });
});

describe('blobs', () => {
  it('writes content under its digest and reads it back verified', async () => {
    const { digest, size } = await store.writeBlob(Buffer.from('hello'));
    expect(digest).toBe(sha256('hello'));
    expect(size).toBe(5);
    expect((await store.readBlob(digest)).toString()).toBe('hello');
    expect(await store.hasBlob(digest)).toBe(true);
  });
  it('a digest mismatch is E_INTEGRITY and leaves no blob and no temp file', async () => {
    const wrong = sha256('other');
    await expect(store.writeBlob(Buffer.from('hello'), { expected: wrong })).rejects.toMatchObject({ code: 'E_INTEGRITY' });
    expect(readdirSync(join(store.root, 'blobs/sha256'))).toEqual([]);
    expect(readdirSync(join(store.root, 'tmp'))).toEqual([]);
  });
  it('more bytes than declared is E_TOO_LARGE (stops reading), fewer is E_INTEGRITY', async () => {
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 65536;
        this.push(Buffer.alloc(65536));
      },
    });
    await expect(store.writeBlob(endless, { size: 100_000 })).rejects.toMatchObject({ code: 'E_TOO_LARGE' });
    expect(produced).toBeLessThan(10 << 20);
    await expect(store.writeBlob(Buffer.from('abc'), { size: 4 })).rejects.toMatchObject({ code: 'E_INTEGRITY' });
    expect(readdirSync(join(store.root, 'blobs/sha256'))).toEqual([]);
  });
  it('corruption on disk is detected on read', async () => {
    const { digest } = await store.writeBlob(Buffer.from('{"a":1}'));
    writeFileSync(store.blobPath(digest), '{"a":2}');
    await expect(store.readBlob(digest)).rejects.toMatchObject({ code: 'E_INTEGRITY' });
    expect((await store.fsck()).map((p) => p.kind)).toContain('corrupt-blob');
  });
  it('concurrent writes of the same content are deduplicated', async () => {
    const data = Buffer.alloc(1 << 20, 7);
    const d = sha256(data);
    const rs = await Promise.all(Array.from({ length: 8 }, () => store.writeBlob(Readable.from([data]), { expected: d })));
    expect(new Set(rs.map((r) => r.digest))).toEqual(new Set([d]));
    expect(readdirSync(join(store.root, 'blobs/sha256'))).toEqual([d.slice(7)]);
  });
});

describe('layers, images, tags, cache', () => {
  it('writeLayer hashes tar and gzip in one pass; snapshots are unpacked once per chainID', async () => {
    const tarBuf = await makeTar([{ name: 'hello.txt', content: 'hi' }]);
    const layer = await store.writeLayer(tarStream(tarBuf));
    expect(layer.diffID).toBe(sha256(tarBuf));
    expect(layer.digest).toBe(sha256(readFileSync(store.blobPath(layer.digest))));
    expect(layer.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
    const [a, b] = await Promise.all([store.ensureSnapshots([layer]), store.ensureSnapshots([layer])]);
    expect(a).toEqual(b);
    expect(a[0]).toBe(join(store.root, 'snapshots', layer.diffID.slice(7)));
    expect(readFileSync(join(a[0]!, 'hello.txt'), 'utf8')).toBe('hi');
    expect(readdirSync(join(store.root, 'snapshots'))).toHaveLength(1);
  });

  it('putImage/tag/getImage/listImages/untag', async () => {
    const layer = await store.writeLayer(tarStream(await makeTar([{ name: 'f', content: 'x' }])));
    const rec = await store.putImage(cfg([layer.diffID]), [layer]);
    expect(rec.manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    await store.tag('app', rec.manifestDigest);
    await store.tag('app:v2', rec.manifestDigest);
    expect((await store.getImage('app:latest'))?.manifestDigest).toBe(rec.manifestDigest);
    expect((await store.getImage(rec.manifestDigest))?.configDigest).toBe(rec.configDigest);
    expect((await store.getImage(rec.manifestDigest.slice(7, 19)))?.manifestDigest).toBe(rec.manifestDigest);
    expect((await store.getImage(rec.configDigest.slice(7, 19)))?.manifestDigest).toBe(rec.manifestDigest);
    expect(await store.getImage('nope')).toBeUndefined();
    expect((await store.listImages()).map((i) => i.name)).toEqual(['app:latest', 'app:v2']);
    expect(await store.untag('app')).toBe(true);
    expect(await store.untag('app')).toBe(false);
    expect((await store.listImages()).map((i) => i.name)).toEqual(['app:v2']);
    await expect(store.tag('x', sha256('missing'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await expect(store.putImage(cfg([sha256('zz')]), [layer])).rejects.toMatchObject({ code: 'E_FORMAT' });
  });

  it('cache records are content addressed and survive concurrent identical writes', async () => {
    const layer = await store.writeLayer(tarStream(await makeTar([{ name: 'f', content: 'x' }])));
    const rec = { key: 'step:abc', layers: [layer], config: cfg([layer.diffID]), createdAt: '2024-01-01T00:00:00Z' };
    await Promise.all(Array.from({ length: 10 }, () => store.putCacheRecord(rec)));
    expect(await store.getCacheRecord('step:abc')).toEqual(rec);
    expect(await store.getCacheRecord('step:other')).toBeUndefined();
    expect(readdirSync(join(store.root, 'cache'))).toEqual([`${createHash('sha256').update('step:abc').digest('hex')}.json`]);
  });

  it('gc keeps tagged and cached content, prune --all drops cache, then everything', async () => {
    const l1 = await store.writeLayer(tarStream(await makeTar([{ name: 'one', content: '1' }])));
    const l2 = await store.writeLayer(tarStream(await makeTar([{ name: 'two', content: '2' }])));
    const l3 = await store.writeLayer(tarStream(await makeTar([{ name: 'three', content: '3' }])));
    const img = await store.putImage(cfg([l1.diffID]), [l1]);
    await store.tag('keep', img.manifestDigest);
    await store.ensureSnapshots([l1, l2]);
    await store.putCacheRecord({ key: 'k', layers: [l1, l2], config: cfg([l1.diffID, l2.diffID]), createdAt: 'now' });
    const s1 = await store.gc();
    expect(s1).toMatchObject({ blobsRemoved: 1, snapshotsRemoved: 0, cacheRecordsRemoved: 0 });
    expect(await store.hasBlob(l3.digest)).toBe(false);
    expect(s1.bytesFreed).toBeGreaterThanOrEqual(l3.size);
    const s2 = await store.gc({ all: true });
    expect(s2).toMatchObject({ blobsRemoved: 1, snapshotsRemoved: 1, cacheRecordsRemoved: 1 });
    expect(await store.fsck()).toEqual([]);
    await store.untag('keep');
    const s3 = await store.gc();
    expect(s3).toMatchObject({ blobsRemoved: 3, snapshotsRemoved: 1 });
    expect(readdirSync(join(store.root, 'blobs/sha256'))).toEqual([]);
  });

  it('gc keeps what another live store instance is still writing (lease)', async () => {
    const other = await openStore(store.root);
    const l = await other.writeLayer(tarStream(await makeTar([{ name: 'wip', content: 'w' }])));
    // a different process would hold the lease; same-process instances are distinct sessions too
    expect((await store.gc()).blobsRemoved).toBe(0);
    expect(await store.hasBlob(l.digest)).toBe(true);
    await other.close();
    expect((await store.gc()).blobsRemoved).toBe(1);
  });

  it('zstd layers: E_FORMAT naming the Node version needed (Node 20 has no zstd)', async () => {
    const { zstdSupported } = await import('@tsbuild/layerstore');
    if (zstdSupported()) return;
    const zstdMagic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]);
    const d = await store.writeBlob(zstdMagic);
    const layer = { digest: d.digest, diffID: sha256('x'), size: d.size, mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' };
    await expect(store.ensureSnapshots([layer])).rejects.toMatchObject({ code: 'E_FORMAT', message: expect.stringContaining('Node >= 22.15') });
    expect(existsSync(join(store.root, 'snapshots', sha256('x').slice(7)))).toBe(false);
  });
});
