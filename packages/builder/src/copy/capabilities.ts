/**
 * `security.capability` xattrs of copied files (BuildKit keeps them for COPY from the context and
 * from other stages), read and written through @tsbuild/sys (the addon, or its perl server) as raw
 * bytes — v2 and v3/rootid capabilities alike — and on names that are not UTF-8 too (exact bytes).
 * Capabilities are written after owners and modes are set (a chown clears them).
 */
import { fsName } from '@tsbuild/layerstore';
import { sys } from '@tsbuild/sys';
import { readXattrs } from '../diff/xattrs.js';

export const CAPABILITY_XATTR = 'security.capability';

/** Whether capabilities can be read and written on this machine. */
export function capabilitiesSupported(): boolean {
  return sys() !== undefined;
}

/** Raw `security.capability` value of each path that has one (symlinks not followed), keyed by index. */
export async function readCapabilities(paths: string[]): Promise<Map<number, Buffer>> {
  if (paths.length === 0) return new Map();
  return readXattrs(paths.map((path) => ({ path, name: CAPABILITY_XATTR })));
}

/** Set `security.capability` on each target (raw bytes as read by readCapabilities), in one batch. */
export async function writeCapabilities(items: { path: string; value: Buffer }[]): Promise<void> {
  if (items.length === 0) return;
  const s = sys();
  if (!s) throw new Error('cannot set security.capability: neither the syscall addon nor perl with a syscall table is available');
  try {
    await s.setxattrs(items.map((i) => ({ path: fsName(i.path), name: CAPABILITY_XATTR, value: i.value })));
  } catch (err) {
    throw new Error(`setting security.capability failed: ${(err as Error).message}`, { cause: err });
  }
}
