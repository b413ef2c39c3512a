/** exportCache/importCache over real stores with hand-made records (no build): selection, copying, verification, skips. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type CacheRecord, type ImageConfig, type LayerRef, type LayerStore } from '@tsbuild/layerstore';
import { exportCache } from '../../src/cache-io/exportCache.js';
import { importCache } from '../../src/cache-io/importCache.js';
import { CacheLayout } from '../../src/cache-io/layout.js';
import { CACHE_KEY_ANNOTATION, CACHE_MEDIA, OCI_INDEX, OCI_MANIFEST } from '../../src/cache-io/media.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
const tmp = (p: string) => { const d = mkdtempSync(join(tmpdir(), p)); dirs.push(d); return d; };

const config: ImageConfig = { architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } };
async function layer(store: LayerStore, text: string): Promise<LayerRef> {
  const { digest, size } = await store.writeBlob(Buffer.from(text));
  return { digest, diffID: digest, size, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' };
}
const rec = (key: string, layers: LayerRef[]): CacheRecord => ({ key, layers, config, createdAt: '2024-01-01T00:00:00Z' });

describe('exportCache / importCache', () => {
  it('round-trips records and their blobs; min keeps only the final image chain', async () => {
    const a = await openStore(join(tmp('cio-a-'), 'root'));
    const base = await layer(a, 'base');
    const l1 = await layer(a, 'one');
    const l2 = await layer(a, 'two');
    const side = await layer(a, 'side');
    await a.putCacheRecord(rec('k1', [base, l1]));
    await a.putCacheRecord(rec('k2', [base, l1, l2]));
    await a.putCacheRecord(rec('kside', [base, side]));
    const result = {
      steps: [
        { stage: 0, index: 2, cacheKey: 'kside' },
        { stage: 1, index: 2, cacheKey: 'k1' },
        { stage: 1, index: 3, cacheKey: 'k1' }, // metadata step: same key
        { stage: 1, index: 4, cacheKey: 'k2' },
        { stage: 1, index: 5, cacheKey: 'nokey' }, // no record (e.g. the base key)
      ],
      image: { layers: [base, l1, l2] },
    };

    const min = tmp('cio-min-');
    expect(await exportCache(a, { result, dest: min, mode: 'min' })).toMatchObject({ records: 2, blobs: 3 });
    const max = tmp('cio-max-');
    expect(await exportCache(a, { result, dest: max, mode: 'max' })).toMatchObject({ records: 3, blobs: 4 });

    const b = await openStore(join(tmp('cio-b-'), 'root'));
    expect(await importCache(b, { src: min })).toEqual({ records: 2, existing: 0, blobs: 3, skipped: [] });
    expect(await b.getCacheRecord('k2')).toEqual(rec('k2', [base, l1, l2]));
    expect(await b.getCacheRecord('kside')).toBeUndefined();
    expect((await b.readBlob(l2.digest)).toString()).toBe('two');

    const c = await openStore(join(tmp('cio-c-'), 'root'));
    expect(await importCache(c, { src: max })).toMatchObject({ records: 3 });
    expect(await c.getCacheRecord('kside')).toEqual(rec('kside', [base, side]));
    expect(await c.fsck()).toEqual([]);
    // a second import finds everything there and overwrites nothing
    expect(await importCache(c, { src: max })).toMatchObject({ records: 0, existing: 3, skipped: [] });
  });

  it('explicit keys are exported whatever the mode', async () => {
    const a = await openStore(join(tmp('cio-a-'), 'root'));
    const l = await layer(a, 'x');
    await a.putCacheRecord(rec('kx', [l]));
    const dest = tmp('cio-keys-');
    expect(await exportCache(a, { keys: ['kx', 'missing'], dest })).toMatchObject({ records: 1, blobs: 1 });
  });

  it('a record whose layer is neither in the layout nor in the store is skipped; one already in the store is fine', async () => {
    const a = await openStore(join(tmp('cio-a-'), 'root'));
    const have = await layer(a, 'have');
    const lost = await layer(a, 'lost');
    const dest = tmp('cio-hand-');
    const layout = new CacheLayout(dest);
    await layout.init();
    const r1 = await layout.putBytes(Buffer.from(JSON.stringify(rec('needs-lost', [lost]))));
    const r2 = await layout.putBytes(Buffer.from(JSON.stringify(rec('needs-have', [have]))));
    const cfg = await layout.putBytes(Buffer.from(JSON.stringify({ version: 1, mode: 'max', records: [] })));
    const man = await layout.putBytes(Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: CACHE_MEDIA.artifact,
      config: { mediaType: CACHE_MEDIA.config, digest: cfg.digest, size: cfg.size },
      layers: [
        { mediaType: CACHE_MEDIA.record, digest: r1.digest, size: r1.size, annotations: { [CACHE_KEY_ANNOTATION]: 'needs-lost' } },
        { mediaType: CACHE_MEDIA.record, digest: r2.digest, size: r2.size, annotations: { [CACHE_KEY_ANNOTATION]: 'needs-have' } },
      ],
    })));
    await layout.writeFileAtomic(layout.indexPath, JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, artifactType: CACHE_MEDIA.artifact, digest: man.digest, size: man.size }] }));

    const b = await openStore(join(tmp('cio-b-'), 'root'));
    await b.writeBlob(Buffer.from('have'));
    expect(await importCache(b, { src: dest })).toEqual({ records: 1, existing: 0, blobs: 0, skipped: ['needs-lost'] });
    expect(await b.getCacheRecord('needs-have')).toBeDefined();
    expect(await b.getCacheRecord('needs-lost')).toBeUndefined();
  });

  it('a record annotated with another key is refused; a missing layer blob is E_CACHE_IMPORT', async () => {
    const a = await openStore(join(tmp('cio-a-'), 'root'));
    const l = await layer(a, 'y');
    await a.putCacheRecord(rec('ky', [l]));
    const dest = tmp('cio-miss-');
    await exportCache(a, { keys: ['ky'], dest });
    unlinkSync(join(dest, 'blobs', 'sha256', l.digest.slice(7)));
    const b = await openStore(join(tmp('cio-b-'), 'root'));
    await expect(importCache(b, { src: dest })).rejects.toMatchObject({ code: 'E_CACHE_IMPORT' });
    expect(await b.getCacheRecord('ky')).toBeUndefined();

    // forge: same record bytes under a different key annotation
    const index = JSON.parse(readFileSync(join(dest, 'index.json'), 'utf8'));
    const layout = new CacheLayout(dest);
    const m = JSON.parse((await layout.readVerified(index.manifests[0].digest)).toString());
    m.layers[0].annotations[CACHE_KEY_ANNOTATION] = 'other';
    const man = await layout.putBytes(Buffer.from(JSON.stringify(m)));
    index.manifests[0] = { ...index.manifests[0], digest: man.digest, size: man.size };
    await layout.writeFileAtomic(layout.indexPath, JSON.stringify(index));
    await expect(importCache(b, { src: dest })).rejects.toMatchObject({ code: 'E_CACHE_IMPORT' });
    expect(existsSync(dest)).toBe(true);
  });
});
