/**
 * The builder's caches under the store's root — cache mounts, ADD <url> records (content on the blob
 * store) and the context hash cache — go through Store methods and are covered by fsck, GC (leases),
 * `prune` (kept) and `prune --all` (removed).
 */
import { describe, it, expect } from 'vitest';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { FORMAT, openStore } from '@tsbuild/layerstore';
import { storeForEachTest } from '../helpers.js';

const t = storeForEachTest();

const hex = (s: string) => createHash('sha256').update(s).digest('hex');
/** a second instance: what it leased is another live build's, what `store` leased is its own (GC ignores its own) */
const otherInstance = () => openStore(t.store.root);

describe('cache mounts', () => {
  it('live under cache-mounts-v1/<sha256(id)>, kept by prune, removed by prune --all unless a live build holds them', async () => {
    const builder = await otherInstance();
    const dir = await builder.cacheMountDir('go-build');
    expect(dir).toBe(join(t.store.root, `cache-mounts-v${FORMAT.cacheMounts}`, hex('go-build')));
    writeFileSync(join(dir, 'obj'), 'x'.repeat(5000));
    expect((await t.store.gc()).cacheMountsRemoved).toBe(0);
    // in use by a live build: prune --all keeps it
    expect((await t.store.gc({ all: true })).cacheMountsRemoved).toBe(0);
    expect(existsSync(join(dir, 'obj'))).toBe(true);
    await builder.close();
    const s = await t.store.gc({ all: true });
    expect(s.cacheMountsRemoved).toBe(1);
    expect(s.bytesFreed).toBeGreaterThanOrEqual(5000);
    expect(existsSync(dir)).toBe(false);
  });

  it('fsck reports an entry that is not a mount id hash, or a mount that is not a directory', async () => {
    await t.store.cacheMountDir('ok');
    const mounts = join(t.store.root, `cache-mounts-v${FORMAT.cacheMounts}`);
    writeFileSync(join(mounts, 'junk'), '');
    writeFileSync(join(mounts, hex('file')), '');
    const kinds = (await t.store.fsck()).map((p) => `${p.kind} ${p.path.slice(mounts.length + 1)}`).sort();
    expect(kinds).toEqual([`cache-mount ${hex('file')}`, 'stray junk']);
  });
});

describe('ADD <url> records', () => {
  it('point at a blob: prune keeps both, prune --all removes the record and then its blob', async () => {
    const blob = await t.store.writeBlob(Buffer.from('downloaded'));
    await t.store.putUrlRecord({ url: 'http://h/f', digest: blob.digest, size: blob.size, etag: '"1"' });
    expect(readdirSync(join(t.store.root, `http-cache-v${FORMAT.httpCache}`))).toEqual([`${hex('http://h/f')}.json`]);
    expect(await t.store.getUrlRecord('http://h/f')).toEqual({ url: 'http://h/f', digest: blob.digest, size: blob.size, etag: '"1"' });
    // (GC leaves out the leases of the instance that runs it: the record alone keeps the blob)
    expect((await t.store.gc()).blobsRemoved).toBe(0);
    expect(await t.store.hasBlob(blob.digest)).toBe(true);
    const s = await t.store.gc({ all: true });
    expect(s).toMatchObject({ urlRecordsRemoved: 1, blobsRemoved: 1 });
    expect(await t.store.hasBlob(blob.digest)).toBe(false);
    expect(await t.store.getUrlRecord('http://h/f')).toBeUndefined();
  });

  it('a record whose blob is gone reads as absent; fsck reports it, and a record under the wrong name', async () => {
    await t.store.putUrlRecord({ url: 'http://h/gone', digest: `sha256:${'a'.repeat(64)}`, size: 3 });
    expect(await t.store.getUrlRecord('http://h/gone')).toBeUndefined();
    const dir = join(t.store.root, `http-cache-v${FORMAT.httpCache}`);
    const b = await t.store.writeBlob(Buffer.from('x'));
    writeFileSync(join(dir, `${hex('http://elsewhere')}.json`), JSON.stringify({ url: 'http://h/moved', digest: b.digest, size: 1 }));
    const kinds = (await t.store.fsck()).map((p) => p.kind).sort();
    expect(kinds).toEqual(['missing-blob', 'url-cache']);
  });
});

describe('context hash cache', () => {
  it('has a versioned file the store names; prune keeps it, prune --all removes it; fsck checks its format', async () => {
    const file = t.store.contextCacheFile();
    expect(file).toBe(join(t.store.root, `context-cache-v${FORMAT.contextCache}.bin`));
    writeFileSync(file, Buffer.concat([Buffer.from(`TSBCC${FORMAT.contextCache}\n\0`, 'latin1'), Buffer.alloc(100)]));
    expect(await t.store.fsck()).toEqual([]);
    await t.store.gc();
    expect(existsSync(file)).toBe(true);
    await t.store.gc({ all: true });
    expect(existsSync(file)).toBe(false);
    writeFileSync(file, 'TSBCC5\n\0');
    expect((await t.store.fsck()).map((p) => p.kind)).toEqual(['context-cache']);
  });
});

describe('the root holds only the layout', () => {
  it('fsck reports anything else under the root; prune removes earlier formats\' homes', async () => {
    mkdirSync(join(t.store.root, 'http-cache-v1', 'blobs'), { recursive: true });
    writeFileSync(join(t.store.root, 'http-cache-v1', 'blobs', 'x'), 'old');
    writeFileSync(join(t.store.root, 'context-cache-v1.json'), 'old');
    writeFileSync(join(t.store.root, 'notes.txt'), 'mine');
    expect((await t.store.fsck()).map((p) => `${p.kind} ${p.path.slice(t.store.root.length + 1)}`)).toEqual(['stray notes.txt']);
    await t.store.gc();
    expect(existsSync(join(t.store.root, 'http-cache-v1'))).toBe(false);
    expect(existsSync(join(t.store.root, 'context-cache-v1.json'))).toBe(false);
    expect(existsSync(join(t.store.root, 'notes.txt'))).toBe(true);
  });
});
