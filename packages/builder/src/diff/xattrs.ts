/**
 * Batched extended-attribute reads for diffs and copies, through @tsbuild/sys (the addon in-process,
 * else its one perl server: no process per query or per batch). Paths are the builder's losslessly
 * decoded strings: a name that is not UTF-8 goes to the syscall as its exact bytes (fsName), so it
 * is read like any other. Only the few attributes a layer needs are asked for
 * (`trusted.overlay.opaque` on directories that shadow a lower one, `security.capability` on
 * regular files), never a recursive dump of everything.
 */
import { fsName } from '@tsbuild/layerstore';
import { sys } from '@tsbuild/sys';

export interface XattrQuery { path: string; name: string }

/** Whether this machine can read xattrs at all (the addon, or perl with a syscall table). */
export function xattrsSupported(): boolean {
  return sys() !== undefined;
}

/**
 * Values of the queried attributes, keyed by query index; absent attributes are missing from the map.
 * Symlinks are not followed. Resolves to an empty map when the machine has no way to read xattrs.
 */
export async function readXattrs(queries: XattrQuery[]): Promise<Map<number, Buffer>> {
  const s = queries.length > 0 ? sys() : undefined;
  if (!s) return new Map();
  return s.getxattrs(queries.map((q) => ({ path: fsName(q.path), name: q.name })));
}
