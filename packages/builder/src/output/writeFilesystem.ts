/**
 * `-o type=local,dest=DIR` and `-o type=tar,dest=FILE`: the final image's filesystem, layers
 * flattened with OCI whiteout semantics.
 *
 * Both are all-or-nothing: the tree is extracted into a scratch directory beside DIR (same file
 * system, so the last step is a rename) and the tar is written to a scratch file beside FILE and
 * renamed over it. A failed, cancelled or killed export leaves no partial destination: what is
 * left is a scratch name (`.NAME.tsbuild-…`) that a failed export removes itself.
 * An existing non-empty DIR is merged into, as BuildKit's local exporter writes into it: each
 * top-level entry of the new tree replaces the entry of that name, the others are left alone.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { LayerRef, LayerStore } from '@tsbuild/layerstore';
import { BuildError } from '../errors.js';

const run = promisify(execFile);

type Flattening = LayerStore & { extractLayers(layers: LayerRef[], dest: string, opts?: { signal?: AbortSignal }): Promise<void> };

/** a scratch name beside `dest` (same directory, so same file system), hidden and clearly ours */
function besideName(dest: string): string {
  const abs = resolve(dest);
  return join(dirname(abs), `.${basename(abs)}.tsbuild-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
}

async function entriesOf(dir: string): Promise<string[] | undefined> {
  try {
    return await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') throw new BuildError('E_OUTPUT', `-o type=local: ${dir} exists and is not a directory`, { data: { dest: dir } });
    throw err;
  }
}

export async function writeLocal(store: LayerStore, layers: LayerRef[], dest: string, signal?: AbortSignal): Promise<void> {
  const abs = resolve(dest);
  await mkdir(dirname(abs), { recursive: true });
  await entriesOf(abs); // a file in the way fails now, before any work
  const tmp = besideName(abs);
  try {
    await mkdir(tmp, { mode: 0o755 });
    await (store as Flattening).extractLayers(layers, tmp, { signal });
    const existing = await entriesOf(abs);
    if (existing === undefined || existing.length === 0) {
      if (existing) await rmdir(abs);
      await rename(tmp, abs);
      return;
    }
    for (const name of await readdir(tmp)) {
      await rm(join(abs, name), { recursive: true, force: true });
      await rename(join(tmp, name), join(abs, name));
    }
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}

/** `layers`, or one subdirectory per part (a multi-platform build's `linux_amd64/` …) */
export async function writeTar(store: LayerStore, layers: LayerRef[] | readonly { dir: string; layers: LayerRef[] }[], dest: string, signal?: AbortSignal): Promise<void> {
  const dir = await mkdtemp(join(store.tmpDir(), 'export-'));
  const abs = resolve(dest);
  const tmp = besideName(abs);
  try {
    const parts = layers.length > 0 && 'dir' in layers[0]! ? (layers as { dir: string; layers: LayerRef[] }[]) : [{ dir: '', layers: layers as LayerRef[] }];
    for (const p of parts) await (store as Flattening).extractLayers(p.layers, join(dir, 'root', p.dir), { signal });
    await mkdir(dirname(abs), { recursive: true });
    await run('tar', ['--numeric-owner', '--xattrs', '--sort=name', '-C', join(dir, 'root'), '-cf', tmp, '.'], { maxBuffer: 1 << 20, signal }).catch((err: { stderr?: string }) => {
      const stderr = String(err.stderr ?? '').trim();
      // GNU tar on a full disk: "Wrote only N of M bytes" / "No space left on device"
      if (/No space left|Wrote only \d+ of \d+ bytes|Disk quota exceeded/.test(stderr)) throw Object.assign(new Error(stderr), { code: 'ENOSPC', path: abs });
      throw new BuildError('E_OUTPUT', `cannot write ${abs}: tar failed: ${stderr.split('\n')[0] ?? ''}`, { data: { dest: abs }, cause: err });
    });
    await rename(tmp, abs);
  } finally {
    await rm(tmp, { force: true }).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}
