/**
 * The syscall addon (native/sys.c, built into dist/native/sys.node by `npm run build`): mount(2),
 * umount2(2), lgetxattr(2), lsetxattr(2), pipe2(2) and openat2(2) called in-process. Loaded on first use; undefined where
 * it was not built, does not load, or TSBUILD_NO_NATIVE=1 asks for the perl helper instead.
 */
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

export interface SysAddon {
  /** errno, 0 on success; a non-empty cwd resolves relative paths in `data` and `target` there */
  mount(source: string, target: string, fstype: string, flags: number, data: string, cwd: string): number;
  umount2(target: string, flags: number): number;
  /** the value, or the errno (ENODATA: no such attribute) */
  lgetxattr(path: string, name: string): Buffer | number;
  lsetxattr(path: string, name: string, value: Buffer): number;
  /** pipe2(O_CLOEXEC): [read fd, write fd], or the errno */
  pipe(): [number, number] | number;
  /** openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): the part below root ('' or '/a/b'), or the errno */
  resolveInRoot?(root: string, path: string, followLast: boolean): string | number;
}

let loaded: SysAddon | null | undefined;

export function sysAddon(): SysAddon | undefined {
  if (loaded === undefined) loaded = load();
  return loaded ?? undefined;
}

/** The addon if something already loaded it: for fast paths that should not pay its dlopen (~0.4 ms) on a warm build. */
export function loadedAddon(): SysAddon | undefined {
  return loaded ?? undefined;
}

function load(): SysAddon | null {
  if (process.platform !== 'linux' || process.env.TSBUILD_NO_NATIVE) return null;
  // the same path from src/exec, dist/exec and the bundles in dist/startup and dist/bundle
  const file = fileURLToPath(new URL('../../dist/native/sys.node', import.meta.url));
  try {
    const mod = { exports: {} as SysAddon };
    process.dlopen(mod, file, constants.dlopen.RTLD_NOW);
    return typeof mod.exports.mount === 'function' ? mod.exports : null;
  } catch {
    return null; // not built here (no compiler at install), or made for another platform
  }
}
