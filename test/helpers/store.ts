/**
 * Stores for end-to-end tests: a fresh store in a temp root (removed by `cleanup()`), and the
 * busybox base imported into it — either the test rootfs (busybox.ts) or a `docker save` tar so the
 * base is byte-identical to the one docker builds on (same diffID, same config and history).
 */
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { ociArch, openStore as openLayerStore } from '@tsbuild/layerstore';
import type { ImageConfig, ImageRecord, LayerStore } from '@tsbuild/layerstore';
import { busyboxRootfsTar } from './busybox.js';

export const STORE_TMP = process.env.TSBUILD_TEST_STORES ?? '/var/tmp/tsbuild-test-stores';
export const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface TempStore { root: string; store: LayerStore; cleanup(): void }

export async function openStore(root: string): Promise<LayerStore> {
  return openLayerStore(root);
}

/** A fresh store under /var/tmp (overlayfs-capable, unlike tmpfs /tmp on some machines). */
export async function tempStore(prefix = 'store-'): Promise<TempStore> {
  mkdirSync(STORE_TMP, { recursive: true });
  const dir = mkdtempSync(join(STORE_TMP, prefix));
  const root = join(dir, 'root');
  const store = await openStore(root);
  return { root, store, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ImportBusyboxOptions {
  /** names to tag (default busybox, busybox:latest) */
  names?: string[];
  variant?: 'plain' | 'conformance';
  /** a rootfs tar to import instead of the test rootfs */
  rootfsTar?: string;
  /** the platform of the tar's binaries (default this machine's) */
  platform?: { os: string; architecture: string; variant?: string };
}

/** Imports the busybox rootfs as a one-layer image with busybox's config (Env PATH, Cmd sh). */
export async function importBusybox(store: LayerStore, opts: ImportBusyboxOptions = {}): Promise<ImageRecord> {
  const tar = opts.rootfsTar ?? busyboxRootfsTar(opts.variant ?? 'plain');
  const layer = await store.writeLayer(createReadStream(tar));
  const created = '2023-11-14T22:13:20Z';
  const config: ImageConfig = {
    created,
    architecture: opts.platform?.architecture ?? ociArch().architecture,
    os: 'linux',
    ...(opts.platform?.variant ? { variant: opts.platform.variant } : {}),
    config: { Env: [PATH_ENV], Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: [layer.diffID] },
    history: [{ created, created_by: 'busybox-static rootfs (test/helpers/busybox.ts)' }],
  };
  const image = await store.putImage(config, [layer]);
  for (const n of opts.names ?? ['busybox', 'busybox:latest']) await store.tag(n, image.manifestDigest);
  return image;
}

/**
 * Imports an image from a `docker save` tar (first manifest entry) with its exact config and
 * layers, tagged under `names`. Used to give tsbuild the very base image docker builds on.
 */
export async function importDockerSave(store: LayerStore, saveTar: string, names: string[]): Promise<ImageRecord> {
  const dir = mkdtempSync(join(STORE_TMP, 'save-'));
  try {
    execFileSync('tar', ['-xf', saveTar, '-C', dir]);
    const [m] = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Array<{ Config: string; Layers: string[] }>;
    if (!m) throw new Error(`${saveTar}: empty manifest.json`);
    const config = JSON.parse(readFileSync(join(dir, m.Config), 'utf8')) as ImageConfig;
    const layers = [];
    for (const l of m.Layers) layers.push(await store.writeLayer(createReadStream(join(dir, l))));
    const got = layers.map((l) => l.diffID).join(',');
    if (got !== config.rootfs.diff_ids.join(',')) throw new Error(`${saveTar}: layer diffIDs ${got} do not match the config's ${config.rootfs.diff_ids.join(',')}`);
    const image = await store.putImage(config, layers);
    for (const n of names) await store.tag(n, image.manifestDigest);
    return image;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
