/** Shared setup for build e2e tests: a temp store with busybox imported, a temp context dir. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readdirSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { LayerStore, LayerRef } from '@tsbuild/layerstore';
import { importBusybox, STORE_TMP, tempStore, type TempStore } from '../helpers/store.js';

export async function storeWithBusybox(): Promise<TempStore> {
  const t = await tempStore('build-');
  await importBusybox(t.store);
  return t;
}

/** A context directory with the given files (path → content). */
export function makeContext(files: Record<string, string>): string {
  mkdirSync(STORE_TMP, { recursive: true });
  const dir = mkdtempSync(join(STORE_TMP, 'ctx-'));
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Flatten an image's layers into a fresh directory and return it. */
export async function flatten(store: LayerStore, layers: LayerRef[]): Promise<string> {
  const dir = mkdtempSync(join(STORE_TMP, 'flat-'));
  await (store as LayerStore & { extractLayers(l: LayerRef[], d: string): Promise<void> }).extractLayers(layers, dir);
  return dir;
}

/** Entries of one layer's tar (uncompressed listing via tar tzv). */
export function layerEntries(store: LayerStore, layer: LayerRef): string[] {
  const out = execFileSync('tar', ['-tzf', store.blobPath(layer.digest)], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

export function statOf(p: string): { mode: number; uid: number; gid: number; type: string } {
  const st = lstatSync(p);
  return { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, type: st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other' };
}

export { readFileSync, readdirSync, readlinkSync };
