/**
 * A corrupt blob is caught wherever it is read for an output or an extraction, and the partial
 * result is removed; the failure is an error, never a hang (a torn-down pipeline once left its
 * promise unsettled, and Node exited 0). `images` lists an unreadable image instead of hiding it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync, openSync, readdirSync, readSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, saveImages, type ImageRecord, type Store } from '@tsbuild/layerstore';
import { makeTar, tarStream, type TarEntry } from '../../packages/layerstore/test/helpers.js';
import { runTsbuild } from '../helpers/cli.js';

let dir: string;
let root: string;
let store: Store;
let image: ImageRecord;
/** the same kind of layer, corrupted late in its gzip stream (caught by the CRC/digest at the end) */
let late: ImageRecord;

/** flip one byte of a file in place */
function flip(path: string, offset: number): void {
  const fd = openSync(path, 'r+');
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, offset);
    b[0] = b[0]! ^ 0xff;
    writeSync(fd, b, 0, 1, offset);
  } finally {
    closeSync(fd);
  }
}

beforeAll(async () => {
  dir = mkdtempSync('/var/tmp/ls-integrity-');
  root = join(dir, 'root');
  store = await openStore(root);
  // 2,500 small incompressible files (~5 MB of blob: more than every pipe buffer on the way holds)
  const entries: TarEntry[] = [{ name: 'd/', type: 'directory' }];
  for (let i = 0; i < 2500; i++) entries.push({ name: `d/f${i}`, content: randomBytes(2048) });
  const layer = await store.writeLayer(tarStream(await makeTar(entries)));
  image = await store.putImage({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [layer.diffID] } }, [layer]);
  await store.tag('good:1', image.manifestDigest);
  // early: the inflater fails at once, with megabytes of blob still unread (this once hung)
  flip(store.blobPath(layer.digest), 20);
  entries.push({ name: 'd/late', content: 'late' });
  const layer2 = await store.writeLayer(tarStream(await makeTar(entries)));
  late = await store.putImage({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [layer2.diffID] } }, [layer2]);
  flip(store.blobPath(layer2.digest), 1 << 20);
}, 60_000);

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const scratch = () => readdirSync(join(root, 'tmp')).filter((n) => !n.startsWith('lock'));

describe('a flipped byte in a layer blob', () => {
  it.each([
    ['early', 0],
    ['early', 2],
    ['late', 0],
    ['late', 2],
  ] as const)('extraction fails (corrupted %s, extraction workers: %i), leaving no snapshot and no partial tree', async (where, workers) => {
    const s = await openStore(root, { extractWorkers: workers });
    const t0 = Date.now();
    const err = await s.ensureSnapshots((where === 'early' ? image : late).layers).then(() => undefined, (e: unknown) => e as { code?: string });
    expect(err?.code).toMatch(/^E_(INTEGRITY|BAD_ARCHIVE)$/);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(readdirSync(join(root, 'snapshots'))).toEqual([]);
    expect(scratch()).toEqual([]);
    await s.close();
  });

  it('flattening it for an export fails', async () => {
    const out = join(dir, 'flat');
    await expect(store.extractLayers(image.layers, out)).rejects.toMatchObject({ code: expect.stringMatching(/^E_(INTEGRITY|BAD_ARCHIVE)$/) });
    rmSync(out, { recursive: true, force: true });
  });

  it('save fails with E_INTEGRITY and writes no archive (library and CLI)', async () => {
    const dest = join(dir, 'img.tar');
    await expect(saveImages(store, ['good:1'], dest)).rejects.toMatchObject({ code: 'E_INTEGRITY' });
    expect(existsSync(dest)).toBe(false);
    const r = runTsbuild(['save', '--root', root, 'good:1', '-o', dest]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[E_INTEGRITY]');
    expect(readdirSync(dir).filter((n) => n.includes('img.tar'))).toEqual([]);
  });

  it('-o type=local and -o type=tar fail and leave no destination', () => {
    const ctx = join(dir, 'ctx');
    rmSync(ctx, { recursive: true, force: true });
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM good:1\nENV A=1\n');
    for (const o of ['type=local,dest=out', 'type=tar,dest=fs.tar']) {
      const r = runTsbuild(['build', '--root', root, '-q', '-o', o.replace(/dest=/, `dest=${dir}/`), ctx], { env: { TSBUILD_EXTRACT_WORKERS: '2' } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/\[E_(INTEGRITY|BAD_ARCHIVE)\]/);
    }
    expect(readdirSync(dir).filter((n) => n.includes('out') || n.includes('fs.tar'))).toEqual([]);
  });
});

describe('a corrupt image config', () => {
  it('is listed by `images` as unreadable (exit 1), not hidden', async () => {
    const other = await openStore(join(dir, 'root2'));
    const layer = await other.writeLayer(tarStream(await makeTar([{ name: 'x', content: 'x' }])));
    const img = await other.putImage({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [layer.diffID] } }, [layer]);
    await other.tag('broken:1', img.manifestDigest);
    await other.tag('fine:1', img.manifestDigest);
    const img2 = await other.putImage({ architecture: 'amd64', os: 'linux', config: { Env: ['A=1'] }, rootfs: { type: 'layers', diff_ids: [layer.diffID] } }, [layer]);
    await other.tag('fine:1', img2.manifestDigest);
    flip(other.blobPath(img.configDigest), 3);
    const list = await other.listImages();
    expect(list.find((i) => i.name.endsWith('broken:1'))?.error?.code).toBe('E_INTEGRITY');
    expect(list.find((i) => i.name.endsWith('fine:1'))?.error).toBeUndefined();
    await other.close();
    const r = runTsbuild(['images', '--root', join(dir, 'root2')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/broken:1\s+[0-9a-f]{12}\s+UNREADABLE/);
    expect(r.stdout).toMatch(/fine:1/);
    expect(r.stderr).toMatch(/image .*broken:1 .* is unreadable: .*\[E_INTEGRITY\]/);
  });
});
