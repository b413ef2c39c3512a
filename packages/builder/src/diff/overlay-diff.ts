/**
 * Layer diff from an overlayfs upperdir (the upperdir IS the change set):
 *
 *  - 0/0 character devices are deletions → `.wh.<name>`
 *  - directories with `trusted.overlay.opaque=y` that shadow a lower directory → the dir entry
 *    plus `.wh..wh..opq` (overlay also marks brand-new dirs opaque; with nothing below, that
 *    marker would be noise, so it is only emitted when a lowerdir has the directory)
 *  - a directory is emitted when it is new, opaque, differs from the lower one (mode, owner — not
 *    the mtime, as current BuildKit's overlay differ), or has emitted descendants; a directory that
 *    is only in the upperdir because of a copy-up with nothing left below it (e.g. a removed mount
 *    stub, a temp file made and deleted) is not part of the layer
 *  - everything else is added/changed content — except copy-ups that changed nothing (chown/chmod to
 *    the same values, a file opened for writing but not written): same type, mode, owner, size,
 *    mtime (ns), link target, device and security.capability as the lower file, and the same bytes
 *    when the mtime has no sub-second part; those are left out, as BuildKit's differ does
 *
 * Entries come out sorted by path component (a depth-first walk with sorted names), parents
 * before children. xattrs are read in one batched helper call (see xattrs.ts) for just the
 * directories that shadow a lower one (opaque check) and regular files (security.capability).
 */
import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { DiffFn, Mounted } from '../exec/types.js';
import { layerStream } from './layer-stream.js';
import { fileMeta, type Change, type ChangeKind, type FileMeta } from './emit.js';
import { readXattrs } from './xattrs.js';
import { overlayOpaqueXattr } from '@tsbuild/layerstore';
import { sameBytes } from './same-bytes.js';
import { fileKind } from '../io/fileKind.js';
import { decodeName, fsName } from '@tsbuild/layerstore';

export interface DiffOptions {
  sourceDateEpoch?: number;
  /** paths (relative to the rootfs, no leading slash) left out of the layer with their subtrees */
  exclude?: string[];
}

interface Node {
  path: string;
  host: string;
  st: FileMeta;
  kind: ChangeKind;
  children?: Node[];
  /** the lower directory this one shadows, when any */
  lower?: FileMeta & { isDir: boolean };
  /** directories: the lowerdirs (top first) whose entries below this path are still visible */
  lowers?: string[];
  opaque?: boolean;
  /** a copy-up identical to the lower file: not part of the layer */
  unchanged?: boolean;
}

export const overlayDiff: DiffFn = (mounted: Mounted, lowerdirs: string[], opts: DiffOptions): Readable => layerStream(overlayChanges(mounted.upperdir, lowerdirs, opts), opts);

/** The ordered change list of an upperdir against its lowerdirs (lowest first). */
export async function overlayChanges(upperdir: string, lowerdirs: string[], opts: DiffOptions = {}): Promise<Change[]> {
  const exclude = new Set((opts.exclude ?? []).map((p) => p.replace(/^\/+|\/+$/g, '')));
  const topFirst = [...lowerdirs].reverse();
  const dirs: Node[] = [];
  const root = await walk(upperdir, '', exclude, topFirst, dirs);

  // one batched xattr read: opaque markers of directories that shadow a lower directory
  const shadowing = dirs.filter((d) => d.lower?.isDir);
  const opq = await readXattrs(shadowing.map((d) => ({ path: d.host, name: overlayOpaqueXattr() })));
  for (const [i, v] of opq) if (v.toString() === 'y') shadowing[i]!.opaque = true;

  await markUnchangedCopyUps(root, topFirst);
  const changes: Change[] = [];
  for (const child of root) emit(child, changes);
  return changes;
}

/** Flag non-directories that overlay copied up without any change (see the header). */
async function markUnchangedCopyUps(root: Node[], lowers: string[]): Promise<void> {
  const cands: { node: Node; lower: string }[] = [];
  const visit = (nodes: Node[], parentShadows: boolean, visible: string[]) => {
    for (const n of nodes) {
      if (n.kind === 'dir') {
        visit(n.children ?? [], Boolean(n.lower?.isDir) && !n.opaque, n.lowers ?? []);
        continue;
      }
      // nlink > 1 in the upperdir: the step made a hardlink to it, so it must go with the layer
      if (!parentShadows || n.kind === 'whiteout' || n.st.nlink > 1) continue;
      const lower = lowerPath(visible, n.path);
      if (lower && sameMeta(n, lower)) cands.push({ node: n, lower });
    }
  };
  visit(root, true, lowers);
  if (cands.length === 0) return;
  const caps = await readXattrs(cands.flatMap((c) => [
    { path: c.node.host, name: 'security.capability' },
    { path: c.lower, name: 'security.capability' },
  ]));
  for (const [i, c] of cands.entries()) {
    const a = caps.get(2 * i);
    const b = caps.get(2 * i + 1);
    if (Boolean(a) !== Boolean(b) || (a && b && !a.equals(b))) continue;
    const st = lstatSync(fsName(c.node.host), { bigint: true });
    if (c.node.kind === 'file' && st.mtimeNs % 1_000_000_000n === 0n && !(await sameBytes(c.node.host, c.lower))) continue;
    c.node.unchanged = true;
  }
}

function sameMeta(n: Node, lowerHost: string): boolean {
  const a = lstatSync(fsName(n.host), { bigint: true });
  const b = lstatSync(fsName(lowerHost), { bigint: true });
  if (kindOf(lstatSync(fsName(lowerHost))) !== n.kind) return false;
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.size !== b.size || a.mtimeNs !== b.mtimeNs || a.rdev !== b.rdev) return false;
  return n.kind !== 'symlink' || readlinkSync(fsName(n.host), 'buffer').equals(readlinkSync(fsName(lowerHost), 'buffer'));
}

/** Host path of the topmost lowerdir entry at `rel` (undefined when absent or whited out). */
function lowerPath(lowers: string[], rel: string): string | undefined {
  for (const l of lowers) {
    const p = join(l, rel);
    const st = lstatQuiet(p);
    if (!st) continue;
    return isWhiteout(st) ? undefined : p;
  }
  return undefined;
}

async function walk(hostDir: string, relDir: string, exclude: Set<string>, lowers: string[], dirs: Node[]): Promise<Node[]> {
  // sync lstat: a syscall each, where the promise form adds a thread-pool round trip per entry
  const names = readNames(hostDir).sort(byName).filter((n) => !exclude.has(relDir ? `${relDir}/${n}` : n));
  const stats = names.map((n) => lstatSync(fsName(join(hostDir, n))));
  const nodes: Node[] = [];
  for (const [i, name] of names.entries()) {
    const path = relDir ? `${relDir}/${name}` : name;
    const host = join(hostDir, name);
    const full = stats[i]!;
    const kind = kindOf(full);
    if (!kind) continue; // sockets are not layer content
    const node: Node = { path, host, st: fileMeta(full), kind };
    if (kind === 'dir') {
      const { lower, visible } = lowerDir(lowers, path);
      if (lower) node.lower = { ...fileMeta(lower), isDir: lower.isDirectory() };
      node.lowers = visible;
      node.children = await walk(host, path, exclude, visible, dirs);
      dirs.push(node);
    }
    nodes.push(node);
  }
  return nodes;
}

/**
 * A directory's entry names, losslessly: a name that is not UTF-8 (Node shows U+FFFD for its bad
 * bytes, and no such file exists) comes back with its bytes escaped (layerstore's bytesName).
 */
export function readNames(hostDir: string): string[] {
  const names = readdirSync(fsName(hostDir), 'utf8');
  if (!names.some((n) => n.includes('\ufffd'))) return names;
  return readdirSync(fsName(hostDir), { encoding: 'buffer' }).map((b) => decodeName(b));
}

/** Emit `n` (and its subtree) when it belongs in the layer; returns whether anything was emitted. */
function emit(n: Node, out: Change[]): boolean {
  if (n.unchanged) return false;
  if (n.kind !== 'dir') {
    out.push({ path: n.path, kind: n.kind, host: n.host, st: n.st });
    return true;
  }
  const at = out.length;
  const self: Change = { path: n.path, kind: 'dir', host: n.host, st: n.st };
  out.push(self);
  if (n.opaque) out.push({ path: n.path, kind: 'opaque', host: n.host, st: n.st });
  let any = false;
  for (const c of n.children ?? []) any = emit(c, out) || any;
  const needed = any || n.opaque || !n.lower || !n.lower.isDir || dirMetaDiffers(n.st, n.lower);
  if (!needed) out.length = at;
  return needed;
}

/**
 * A directory only in the upperdir because something changed inside it, or whose mtime alone moved
 * (a file made and removed again, a mount stub), is not a change: current BuildKit's overlay differ
 * compares a directory with the lower one by mode, owner and device only (util/overlay/overlay_linux.go
 * `sameDirent`: the size/mtime checks are for non-directories), and containerd's ChangeWriter adds the
 * parents of what changed (`includeParents`).
 */
function dirMetaDiffers(a: FileMeta, b: FileMeta): boolean {
  return (a.mode & 0o7777) !== (b.mode & 0o7777) || a.uid !== b.uid || a.gid !== b.gid;
}

/**
 * The topmost lowerdir entry at `rel` (undefined when absent or whited out) and the lowerdirs, top
 * first, in which `rel` is a directory whose entries are visible from above: a whiteout or a
 * non-directory at `rel` hides `rel/…` of every lowerdir below it. (A directory removed in one layer
 * and made again in a later step must not be compared with the removed one's old children.)
 * `lowers` are already those where the parent of `rel` is visible. Opaque lower dirs are not
 * looked at (layers below an opaque dir may still be consulted).
 */
function lowerDir(lowers: string[], rel: string): { lower?: Stats; visible: string[] } {
  const visible: string[] = [];
  let lower: Stats | undefined;
  for (const l of lowers) {
    const st = lstatQuiet(join(l, rel));
    if (!st) continue;
    if (!st.isDirectory()) {
      if (visible.length === 0 && !isWhiteout(st)) lower = st;
      break;
    }
    lower ??= st;
    visible.push(l);
  }
  return { lower, visible };
}

/** lstat that answers undefined for a missing entry without building an exception (the common case:
 *  most new files have nothing below them; 20k throws cost measurable time on big COPY diffs). */
function lstatQuiet(p: string): Stats | undefined {
  try {
    return lstatSync(fsName(p), { throwIfNoEntry: false });
  } catch {
    return undefined; // ENOTDIR: a parent is not a directory in this lowerdir
  }
}

export function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/** overlayfs's whiteout is a 0/0 character device; a socket has no place in a layer */
function kindOf(st: Stats): ChangeKind | undefined {
  const k = fileKind(st);
  if (k === 'char' && st.rdev === 0) return 'whiteout';
  return k === 'socket' ? undefined : k;
}

/** Byte-wise name order (what Go's filepath.Walk and `tar --sort=name` use). */
export function byName(a: string, b: string): number {
  // UTF-16 order equals UTF-8 byte order except around surrogates / U+E000..U+FFFF
  if (/^[\x00-\ud7ff]*$/.test(a) && /^[\x00-\ud7ff]*$/.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
