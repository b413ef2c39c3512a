/**
 * The ONE place that turns an in-image path into a host path, and the one root-escape check.
 *
 * Semantics are those of openat2(2) with RESOLVE_IN_ROOT (and containerd/continuity's RootPath,
 * which BuildKit uses everywhere): every component is resolved inside `root`; a symlink met on
 * the way is followed with `root` as `/` (absolute targets are re-rooted), and `..` is clamped at
 * the root. The answer is therefore always `root` or a path below it whose every existing
 * component up to the last is a real directory at the time of the call. Components that do not
 * exist are kept as given (lexically cleaned), so callers can create them.
 *
 * Nothing else in the codebase may `join(root, inImagePath)`: a symlink planted by an image, a
 * build stage or a build context would be followed on the host. The checks are synchronous on
 * purpose: an lstat (and a readlink for links) per component is a few µs, where an async call per
 * component is a thread-pool round trip.
 *
 * Names that must stay file *names* (a heredoc's, a URL's, a tar entry's) are checked lexically
 * here too: `fileName`, `safeEntryName`, `escapesRoot`.
 */
import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { loadedAddon } from '@tsbuild/sys';
import { unsafePath } from '../errors.js';
import { decodeName, fsName } from '../util/bytesName.js';

/** Linux's own limit (MAXSYMLINKS is 40; continuity allows 255) */
const MAX_LINKS = 255;

/**
 * The kernel doing the same resolution: openat2(2) with RESOLVE_IN_ROOT (@tsbuild/sys's addon).
 * Answers the part below root ('' or '/a/b'), or an errno; on an errno the JS walk decides (a
 * missing component, a chain longer than the kernel's 40 links, a kernel before 5.6).
 */
export type KernelResolve = (root: string, p: string, followLast: boolean) => string | number;

export interface ScopedOptions {
  /** follow a symlink in the LAST component too (default true); false answers the link itself */
  followLast?: boolean;
  /**
   * openat2(RESOLVE_IN_ROOT): by default the addon's once something loaded it (a RUN mounted
   * something; a warm build resolving COPY sources for its cache keys would otherwise pay the
   * addon's dlopen for a few µs saved); false for the walk alone, which is the fallback (no addon,
   * TSBUILD_NO_NATIVE=1) and the reference — the same result either way.
   */
  kernel?: KernelResolve | false;
}

/** Split a '/'-separated path into clean components: no '', '.', and '..' resolved lexically against `/`. */
export function cleanComponents(p: string): string[] {
  const out: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      out.pop();
      continue;
    }
    out.push(c);
  }
  return out;
}

/** `/`-rooted clean form of `p` ("a/../b/" → "/b"; "../../x" → "/x"). */
export function cleanAbs(p: string): string {
  return '/' + cleanComponents(p).join('/');
}

/** A '..' that leaves the root lexically, e.g. "../x" or "a/../../x". */
export function escapesRoot(p: string): boolean {
  let depth = 0;
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (--depth < 0) return true;
    } else depth++;
  }
  return false;
}

/** Error thrown for a symlink loop; `code` is ELOOP like the kernel's, so callers can word it. */
export class SymlinkLoopError extends Error {
  readonly code = 'ELOOP';
  constructor(readonly path: string) {
    super(`too many levels of symbolic links: ${path}`);
    this.name = 'SymlinkLoopError';
  }
}

/** lstat, or undefined where nothing can be found: missing, or a non-directory used as one */
function lstatQuiet(abs: string): Stats | undefined {
  try {
    return lstatSync(fsName(abs), { throwIfNoEntry: false }); // names are bytes (util/bytesName.ts)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EACCES') return undefined;
    throw err;
  }
}

/**
 * Resolve `p` (absolute or relative: both mean "from the root") inside `root`; answers a host
 * path under `root` (or `root` itself). Throws SymlinkLoopError (code ELOOP) on a link loop.
 */
export function resolveInRoot(root: string, p: string, opts: ScopedOptions = {}): string {
  const followLast = opts.followLast ?? true;
  const base = root.length > 1 && root.endsWith('/') ? root.slice(0, -1) : root;
  const kernel = opts.kernel ?? loadedAddon()?.resolveInRoot;
  if (kernel) {
    const k = kernel(base, p, followLast);
    if (typeof k === 'string') return base + k;
  }
  let todo = p.split('/').filter((c) => c !== '' && c !== '.');
  const done: string[] = [];
  let links = 0;
  /** depth at which a component was missing: nothing below it can exist (until `..` climbs back) */
  let missingAt = -1;
  while (todo.length > 0) {
    const c = todo.shift()!;
    if (c === '..') {
      done.pop();
      if (done.length <= missingAt) missingAt = -1;
      continue;
    }
    if (missingAt >= 0 || (todo.length === 0 && !followLast)) {
      done.push(c);
      continue;
    }
    const abs = `${base}/${done.length ? done.join('/') + '/' : ''}${c}`;
    const st = lstatQuiet(abs);
    if (!st?.isSymbolicLink()) {
      if (!st) missingAt = done.length;
      done.push(c);
      continue;
    }
    const target = decodeName(readlinkSync(fsName(abs), { encoding: 'buffer' }));
    if (++links > MAX_LINKS) throw new SymlinkLoopError(p);
    if (target.startsWith('/')) {
      done.length = 0;
      missingAt = -1;
    }
    todo = [...target.split('/').filter((x) => x !== '' && x !== '.'), ...todo];
  }
  return done.length === 0 ? base : `${base}/${done.join('/')}`;
}

/** Async form for callers that await (the work is the same synchronous walk). */
export async function resolveInRootAsync(root: string, p: string, opts: ScopedOptions = {}): Promise<string> {
  return resolveInRoot(root, p, opts);
}

/**
 * True when `host` is `root` or below it lexically (no resolution: for results of resolveInRoot
 * and for paths built from clean components).
 */
export function isWithin(root: string, host: string): boolean {
  const r = root.endsWith('/') ? root.slice(0, -1) : root;
  return host === r || host.startsWith(`${r}/`);
}

/**
 * True when every component of `rel` above its last is a real directory under `root` right now
 * (no symlink, nothing missing). What deferred work checks before touching `root/rel` by path.
 */
export function parentsAreDirs(root: string, rel: string): boolean {
  const parts = rel.split('/').filter(Boolean);
  let cur = root.endsWith('/') ? root.slice(0, -1) : root;
  for (let i = 0; i < parts.length - 1; i++) {
    cur = `${cur}/${parts[i]}`;
    if (!lstatQuiet(cur)?.isDirectory()) return false;
  }
  return true;
}

/**
 * A name that must be ONE file name (a heredoc's, a downloaded URL's): what it means inside the
 * root after cleaning, exactly as BuildKit makes it — `Mkfile(join("/", name))` in an empty
 * scratch, then copied by that path — so `../x` is the file `x` and `a/b` cannot be made (there is
 * no directory `a`). Answers the single component, or throws E_UNSAFE_PATH.
 */
export function fileName(name: string, what: string): string {
  if (name.includes('\0')) throw unsafePath(`${what} ${JSON.stringify(name)} contains a NUL byte`, { name });
  const parts = cleanComponents(name);
  if (parts.length !== 1) throw unsafePath(`${what} ${JSON.stringify(name)} is not a file name: it must not contain "/" or be "." or ".."`, { name });
  return parts[0]!;
}

/** a `.` or `..` path segment */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/** Tar entry names → safe relative paths ('' for the root itself). Absolute names and `..` escapes are E_UNSAFE_PATH. */
export function safeEntryName(name: string): string {
  if (name.includes('\0')) throw unsafePath(`tar entry name contains NUL: ${JSON.stringify(name)}`, { name });
  if (name.startsWith('/')) throw unsafePath(`tar entry has an absolute path: ${name}`, { name });
  // already normal (the usual `./a/b` or `a/b/`): what posix.normalize would return, without it
  const s = name.startsWith('./') ? name.slice(2) : name;
  if (s !== '' && !s.startsWith('/') && !s.includes('//') && !DOT_SEGMENT.test(s)) return s.endsWith('/') ? s.slice(0, -1) : s;
  const n = posix.normalize(name);
  if (n === '..' || n.startsWith('../')) throw unsafePath(`tar entry escapes the layer root: ${name}`, { name });
  if (n === '.' || n === './' || n === '') return '';
  return n.endsWith('/') ? n.slice(0, -1) : n;
}
