/**
 * Work an extraction does by path at the end of a layer (device nodes and whiteouts in one batch
 * of mknod(2), then their owners and modes, then xattrs incl. security.capability, through
 * @tsbuild/sys: the addon, or its perl server; names as their exact bytes). Deferred
 * work is where a malicious layer strikes: `d/`, `d/victim` (with a capability), `d/fifo`, then
 * `d` replaced by a symlink to a host directory — done by path at the end, the mknod and
 * setxattr would land on the host. So each item is kept with its path relative to the layer
 * root; when an entry removes or replaces a path, the work queued at or below it is dropped (it
 * belonged to what is gone), and before anything runs every item's parents are checked to still
 * be real directories inside the root (E_UNSAFE_PATH otherwise: a bug, never silently followed).
 */
import { lstatSync } from 'node:fs';
import { parentsAreDirs } from '../fs/scoped.js';
import { unsafePath } from '../errors.js';
import { sys, type NodeSpec, type XattrWrite } from '@tsbuild/sys';
import { formatError, StoreError } from '../errors.js';
import { fsName } from '../util/bytesName.js';

/** A device node, FIFO or whiteout to make; `path` as extraction holds it (escaped bytes: see bytesName.ts) */
export interface NodeOp { path: string; /** st_mode incl. S_IFCHR/S_IFBLK/S_IFIFO */ mode: number; major: number; minor: number }
export interface XattrOp { path: string; name: string; value: Buffer }

interface Item<T> { rel: string; v: T }

export class DeferredOps {
  private native: Item<NodeOp>[] = [];
  private after: Item<() => void>[] = [];
  private xattrs: Item<XattrOp>[] = [];

  /** paths with queued work, and every directory above them: drop() is a Set lookup for the rest */
  private readonly rels = new Set<string>();
  private readonly dirs = new Set<string>();

  constructor(private readonly root: string) {}

  private note(rel: string): void {
    this.rels.add(rel);
    for (let d = rel.lastIndexOf('/'); d > 0; d = rel.lastIndexOf('/', d - 1)) {
      const dir = rel.slice(0, d);
      if (this.dirs.has(dir)) break;
      this.dirs.add(dir);
    }
  }

  /** mknod (device, fifo, overlay whiteout) */
  node(rel: string, op: NodeOp): void {
    this.note(rel);
    this.native.push({ rel, v: op });
  }
  /** metadata of a node made by node(), run after the nodes exist */
  afterNodes(rel: string, fn: () => void): void {
    this.note(rel);
    this.after.push({ rel, v: fn });
  }
  xattr(rel: string, op: XattrOp): void {
    this.note(rel);
    this.xattrs.push({ rel, v: op });
  }

  /** `rel` was removed or replaced: drop its queued work (and its subtree's, when it was a directory) */
  drop(rel: string, subtree: boolean): void {
    // nothing queued there: the common case (a layer replacing lower files) costs a lookup, not a scan
    if (!this.rels.has(rel) && !(subtree && (rel === '' || this.dirs.has(rel)))) return;
    const prefix = `${rel}/`;
    const keep = (i: Item<unknown>) => !(i.rel === rel || (subtree && (rel === '' || i.rel.startsWith(prefix))));
    this.native = this.native.filter(keep);
    this.after = this.after.filter(keep);
    this.xattrs = this.xattrs.filter(keep);
  }

  async run(): Promise<void> {
    this.check(this.native);
    await makeNodes(this.native.map((i): NodeSpec => ({ ...i.v, path: fsName(i.v.path) })));
    this.check(this.after);
    for (const i of this.after) {
      // the node made just above: never a link put there (chmod/utimes would follow it)
      if (lstatSync(fsName(this.abs(i.rel))).isSymbolicLink()) throw unsafePath(`${i.rel} became a symlink before its metadata was set`, { path: i.rel });
      i.v();
    }
    this.check(this.xattrs);
    await setXattrs(this.xattrs.map((i): XattrWrite => ({ ...i.v, path: fsName(i.v.path) })));
  }

  private abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  private check(items: Item<unknown>[]): void {
    for (const i of items) {
      if (!parentsAreDirs(this.root, i.rel)) throw unsafePath(`refusing deferred work on ${i.rel}: a directory above it was replaced (symlink or file)`, { path: i.rel });
    }
  }
}

async function makeNodes(nodes: NodeSpec[]): Promise<void> {
  if (nodes.length === 0) return;
  try {
    await syscalls('device nodes').mknod(nodes);
  } catch (err) {
    throw new StoreError('E_IO', `making device nodes failed: ${(err as Error).message}`, undefined, { cause: err });
  }
}

async function setXattrs(items: XattrWrite[]): Promise<void> {
  if (items.length === 0) return;
  try {
    await syscalls('xattrs').setxattrs(items);
  } catch (err) {
    throw new StoreError('E_IO', `setting xattrs failed: ${(err as Error).message}`, undefined, { cause: err });
  }
}

function syscalls(what: string) {
  const s = sys();
  if (!s) throw formatError(`${what} are not supported here: neither the syscall addon nor perl with a syscall table for ${process.arch}`);
  return s;
}
