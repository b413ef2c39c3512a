/**
 * `-o type=local,dest=DIR` and `-o type=tar,dest=FILE`: the final image's filesystem, layers
 * flattened with OCI whiteout semantics.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { LayerRef, LayerStore } from '@tsbuild/layerstore';

const run = promisify(execFile);

type Flattening = LayerStore & { extractLayers(layers: LayerRef[], dest: string): Promise<void> };

export async function writeLocal(store: LayerStore, layers: LayerRef[], dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  await (store as Flattening).extractLayers(layers, dest);
}

/** `layers`, or one subdirectory per part (a multi-platform build's `linux_amd64/` …) */
export async function writeTar(store: LayerStore, layers: LayerRef[] | readonly { dir: string; layers: LayerRef[] }[], dest: string): Promise<void> {
  const dir = await mkdtemp(join(store.tmpDir(), 'export-'));
  try {
    const parts = layers.length > 0 && 'dir' in layers[0]! ? (layers as { dir: string; layers: LayerRef[] }[]) : [{ dir: '', layers: layers as LayerRef[] }];
    for (const p of parts) await writeLocal(store, p.layers, join(dir, 'root', p.dir));
    await mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.tmp-${process.pid}`;
    await run('tar', ['--numeric-owner', '--xattrs', '--sort=name', '-C', join(dir, 'root'), '-cf', tmp, '.'], { maxBuffer: 1 << 20 });
    await rename(tmp, dest);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
