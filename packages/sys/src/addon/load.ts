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
 * Where sys.node is, seen from this module: this package's own dist/native (from dist/addon and
 * src/addon alike), which is also the `tsbuild` package's dist/native seen from its bundles
 * (dist/lib, dist/bundle, dist/startup: two levels down as well); and, for the workspace's builder
 * bundles (packages/builder/dist/{bundle,startup}), this package's beside them.
 */
const CANDIDATES = ['../../dist/native/sys.node', '../../../sys/dist/native/sys.node'];
/** (the second only inside this workspace: in an installed package `../sys` is someone else's) */
const WORKSPACE = '/packages/sys/dist/native/sys.node';

function load(): SysAddon | null {
  if (process.platform !== 'linux' || process.env.TSBUILD_NO_NATIVE) return null;
  for (const rel of CANDIDATES) {
    const file = fileURLToPath(new URL(rel, import.meta.url));
    if (rel !== CANDIDATES[0] && !file.endsWith(WORKSPACE)) continue;
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
