/**
 * Resolve a path inside a root directory the way `fs.RootPath` (containerd/continuity) does:
 * every symlink met on the way is followed, but absolute targets and `..` are interpreted
 * relative to `root`, so the result never leaves `root`. Missing components are kept as is.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

const MAX_LINKS = 255;

/** Split a '/'-separated path into clean components (no '', '.', and '..' resolved lexically against root). */
export function cleanComponents(p: string): string[] {
  const out: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') { out.pop(); continue; }
    out.push(c);
  }
  return out;
}

/** `/`-rooted clean form of `p` ("a/../b/" → "/b"). */
export function cleanAbs(p: string): string {
  return '/' + cleanComponents(p).join('/');
}

export interface RootPathOptions {
  /** follow a symlink in the LAST component too (default true) */
  followLast?: boolean;
}

/**
 * Scoped resolution, as a promise for callers that await it. The work is synchronous: an lstat
 * (and readlink) per path component, a few µs each, where each async call is a thread-pool round
 * trip — and on a warm build these were the only thread-pool work left.
 */
export async function rootPath(root: string, p: string, opts: RootPathOptions = {}): Promise<string> {
  return rootPathSync(root, p, opts);
}

/** Scoped resolution: an absolute host path under `root`. */
export function rootPathSync(root: string, p: string, opts: RootPathOptions = {}): string {
  return resolveScopedSync(root, p, opts.followLast ?? true, (x) => {
    try {
      const st = lstatSync(x);
      return st.isSymbolicLink() ? readlinkSync(x) : null;
    } catch { return null; }
  });
}

function resolveScopedSync(root: string, p: string, followLast: boolean, readLink: (abs: string) => string | null): string {
  let todo = cleanComponents(p);
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const c = todo.shift()!;
    if (c === '..') { done.pop(); continue; }
    const isLast = todo.length === 0;
    if (isLast && !followLast) { done.push(c); break; }
    const target = readLink(join(root, ...done, c));
    if (target === null) { done.push(c); continue; }
    if (++links > MAX_LINKS) throw Object.assign(new Error(`too many levels of symbolic links: ${p}`), { code: 'ELOOP' });
    const rest = target.split('/').filter((x) => x !== '' && x !== '.');
    if (target.startsWith('/')) done.length = 0;
    todo = [...rest, ...todo];
  }
  return done.length === 0 ? root : join(root, ...done);
}
