/**
 * The layerstore's scoped resolver (fs/scoped.ts: RESOLVE_IN_ROOT semantics, the one root-escape
 * check) with the kernel doing the walk once the addon is loaded: one openat2(2) instead of an
 * lstat (and readlink) per component. Without the addon (TSBUILD_NO_NATIVE=1, no compiler) and
 * for what the kernel leaves to it (missing components), the JS walk answers — the same result.
 */
import { resolveInRoot as resolveScoped, type ScopedOptions } from '@tsbuild/layerstore';
import { loadedAddon } from '@tsbuild/sys';

type Options = Omit<ScopedOptions, 'kernel'>;

export function resolveInRoot(root: string, p: string, opts: Options = {}): string {
  // only once loaded (a RUN mounted something): a warm build resolving COPY sources for its cache
  // keys would otherwise load the addon for a few µs saved
  const kernel = loadedAddon()?.resolveInRoot;
  return resolveScoped(root, p, kernel ? { ...opts, kernel } : opts);
}

/** The same, for callers that await (the work is synchronous: one or a few syscalls). */
export async function resolveInRootAsync(root: string, p: string, opts: Options = {}): Promise<string> {
  return resolveInRoot(root, p, opts);
}
