/**
 * The two entry points the suite drives, looked up at run time so the suite reports a clear
 * failure (instead of not compiling) while the builder / store are still being written:
 * `build(options)` from @tsbuild/builder and `openStore(root)` from @tsbuild/layerstore.
 */
import * as builder from '@tsbuild/builder';
import * as layerstore from '@tsbuild/layerstore';
import type { BuildOptions, BuildResult } from '@tsbuild/builder';
import type { LayerStore } from '@tsbuild/layerstore';

export interface Engine {
  build(options: BuildOptions): Promise<BuildResult>;
  openStore(root: string): Promise<LayerStore>;
}

export function loadEngine(): Engine | string {
  const b = (builder as Record<string, unknown>).build;
  const o = (layerstore as Record<string, unknown>).openStore;
  if (typeof b !== 'function') return '@tsbuild/builder does not export build() yet';
  if (typeof o !== 'function') return '@tsbuild/layerstore does not export openStore() yet';
  return {
    build: b as Engine['build'],
    openStore: async (root: string) => (await (o as (r: string) => Promise<LayerStore> | LayerStore)(root)),
  };
}
