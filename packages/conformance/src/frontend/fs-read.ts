/** Reading an exported filesystem safely: paths and symlinks resolve inside the export root, never on the host. */
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join, posix } from 'node:path';

/** Host path of `rel` inside `root`, following symlinks (absolute ones relative to `root`); undefined when missing. */
export function resolveInRoot(root: string, rel: string, opts: { followLast?: boolean } = {}): string | undefined {
  const followLast = opts.followLast ?? true;
  let parts = posix.normalize('/' + rel).split('/').filter(Boolean);
  let resolved: string[] = [];
  let hops = 0;
  while (parts.length) {
    const name = parts.shift()!;
    if (name === '.') continue;
    if (name === '..') { resolved.pop(); continue; }
    const host = join(root, ...resolved, name);
    let st;
    try {
      st = lstatSync(host);
    } catch {
      return undefined;
    }
    if (st.isSymbolicLink() && (parts.length > 0 || followLast)) {
      if (++hops > 40) return undefined;
      const target = readlinkSync(host);
      if (target.startsWith('/')) resolved = [];
      parts = [...target.split('/').filter(Boolean), ...parts];
      continue;
    }
    resolved.push(name);
  }
  return join(root, ...resolved);
}

export function readInRoot(root: string, rel: string): Buffer | undefined {
  const p = resolveInRoot(root, rel);
  if (!p) return undefined;
  try {
    return readFileSync(p);
  } catch {
    return undefined;
  }
}

export function isDirInRoot(root: string, rel: string): boolean {
  const p = resolveInRoot(root, rel);
  try {
    return !!p && lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function existsInRoot(root: string, rel: string): boolean {
  return resolveInRoot(root, rel, { followLast: false }) !== undefined;
}
