/**
 * The two entry points the suite drives, looked up at run time so the suite reports a clear
 * failure (instead of not compiling) while the builder / store are still being written:
 * `build(options)` from @tsbuild/builder (looked up at run time) and `openStore(root)` from @tsbuild/layerstore.
 */
import * as builder from '@tsbuild/builder';
import { openStore } from '@tsbuild/layerstore';
import type { BuildOptions, BuildResult } from '@tsbuild/builder';
import type { LayerStore } from '@tsbuild/layerstore';

export interface Engine {
  build(options: BuildOptions): Promise<BuildResult>;
  openStore(root: string): Promise<LayerStore>;
}

export function loadEngine(): Engine | string {
  const b = (builder as Record<string, unknown>).build;
  if (typeof b !== 'function') return '@tsbuild/builder does not export build() yet';
  return { build: b as Engine['build'], openStore: async (root: string) => openStore(root) };
}
