/**
 * The ids this process can give files: all of them in the initial user namespace, only the mapped
 * ones in a user namespace (a rootless build with a single mapped uid, or an unprivileged
 * container). chown to an unmapped id is EINVAL; an extracted file whose owner cannot exist here is
 * left root's (uid/gid 0 inside) — the documented limit of single-uid rootless builds
 * (docs/rootless.md), warned about when the build starts.
 */
import { readFileSync } from 'node:fs';

export interface IdMap {
  /** [first inside id, count] ranges */
  uids: [number, number][];
  gids: [number, number][];
}

/** undefined: every id maps (the initial namespace, or a map covering all of 0..2^32-2) */
export function readIdMap(read: (p: string) => string = (p) => readFileSync(p, 'utf8')): IdMap | undefined {
  let uidMap: string;
  let gidMap: string;
  try {
    uidMap = read('/proc/self/uid_map');
    gidMap = read('/proc/self/gid_map');
  } catch {
    return undefined;
  }
  const uids = parseMap(uidMap);
  const gids = parseMap(gidMap);
  const total = (r: [number, number][]) => r.reduce((n, [, c]) => n + c, 0);
  if (total(uids) >= 4294967295 && total(gids) >= 4294967295) return undefined;
  return { uids, gids };
}

export function mapped(ranges: [number, number][], id: number): boolean {
  for (const [first, count] of ranges) if (id >= first && id < first + count) return true;
  return false;
}

function parseMap(text: string): [number, number][] {
  const out: [number, number][] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/).map(Number);
    if (f.length === 3 && f.every(Number.isFinite)) out.push([f[0]!, f[2]!]);
  }
  return out;
}

let opaqueName: string | undefined;

/**
 * The xattr overlayfs marks opaque directories with here: `trusted.overlay.opaque` in the initial
 * user namespace; `user.overlay.opaque` in any other, where trusted.* cannot be read or written and
 * overlay is mounted with `userxattr` (a rootless store's snapshots carry the user.* name). Every
 * writer and reader of the marker asks this one function; read once per process, on first use.
 */
export function overlayOpaqueXattr(read: (p: string) => string = (p) => readFileSync(p, 'utf8')): string {
  if (opaqueName) return opaqueName;
  return (opaqueName = inInitialUserns(read) ? 'trusted.overlay.opaque' : 'user.overlay.opaque');
}

/** uid_map is the identity over every id (or there is no /proc to say otherwise). */
export function inInitialUserns(read: (p: string) => string = (p) => readFileSync(p, 'utf8')): boolean {
  try {
    return /^\s*0\s+0\s+4294967295\s*$/.test(read('/proc/self/uid_map'));
  } catch {
    return true;
  }
}
