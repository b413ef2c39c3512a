/**
 * The syscall addon (native/sys.c, built into dist/native/sys.node by scripts/build-native.cjs),
 * loaded on first use; undefined where it was not built, does not load, or TSBUILD_NO_NATIVE=1 asks
 * for the perl server instead.
 */
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { SysAddon } from '../types.js';

let loaded: SysAddon | null | undefined;

export function sysAddon(): SysAddon | undefined {
  if (loaded === undefined) loaded = load();
  return loaded ?? undefined;
}

/** The addon if something already loaded it: for fast paths that should not pay its dlopen on a warm build. */
export function loadedAddon(): SysAddon | undefined {
  return loaded ?? undefined;
}

/**
 * Where sys.node may be, seen from the module file that holds this code: the `dist/native` of the
 * nearest `dist/` above it — this package's own (dist/addon/load.js), or the `tsbuild` package's,
 * whose bundles and their chunks (dist/lib/chunks/, dist/bundle/, dist/startup/) all sit below its
 * dist/; this package's from its sources (src/addon/load.ts: tests); and, for the workspace's
 * builder bundles (packages/builder/dist/{bundle,startup}), this package's beside them.
 */
export function addonCandidates(moduleFile: string): string[] {
  const out: string[] = [];
  const d = moduleFile.lastIndexOf('/dist/');
  if (d >= 0) out.push(`${moduleFile.slice(0, d)}/dist/native/sys.node`);
  const src = moduleFile.lastIndexOf('/src/');
  if (d < 0 && src >= 0) out.push(`${moduleFile.slice(0, src)}/dist/native/sys.node`);
  const ws = /^(.*\/packages\/)[^/]+\/dist\//.exec(moduleFile);
  if (ws && !out.includes(`${ws[1]}sys/dist/native/sys.node`)) out.push(`${ws[1]}sys/dist/native/sys.node`);
  return out;
}

function load(): SysAddon | null {
  if (process.platform !== 'linux' || process.env.TSBUILD_NO_NATIVE) return null;
  for (const file of addonCandidates(fileURLToPath(import.meta.url))) {
    if (!existsSync(file)) continue;
    try {
      const mod = { exports: {} as SysAddon };
      process.dlopen(mod, file, constants.dlopen.RTLD_NOW);
      return typeof mod.exports.mount === 'function' ? mod.exports : null;
    } catch {
      return null; // made for another platform or libc
    }
  }
  return null; // not built here (no compiler at install)
}
