/**
 * The layerstore's scoped resolver (fs/scoped.ts: RESOLVE_IN_ROOT semantics, the one root-escape
 * check) with the kernel doing the walk where the addon is loaded: one openat2(2) instead of an
 * lstat (and readlink) per component. Without the addon (TSBUILD_NO_NATIVE=1, no compiler) and
 * for what the kernel leaves to it (missing components), the JS walk answers — the same result.
 */
import { resolveInRoot as resolveScoped, type ScopedOptions } from '@tsbuild/layerstore';
import { sysAddon } from './native-sys.js';

type Options = Omit<ScopedOptions, 'kernel'>;

export function resolveInRoot(root: string, p: string, opts: Options = {}): string {
  const kernel = sysAddon()?.resolveInRoot;
  return resolveScoped(root, p, kernel ? { ...opts, kernel } : opts);
}

/** The same, for callers that await (the work is synchronous: one or a few syscalls). */
export async function resolveInRootAsync(root: string, p: string, opts: Options = {}): Promise<string> {
  return resolveInRoot(root, p, opts);
}
