/**
 * Work an extraction does by path at the end of a layer (device nodes and whiteouts through one
 * perl batch, then their owners and modes, then xattrs incl. security.capability). Deferred
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
import { fsName } from '../util/bytesName.js';
import { runNativeOps, type NativeOp } from './fsx.js';

interface Item<T> { rel: string; v: T }

export class DeferredOps {
  private native: Item<NativeOp>[] = [];
  private after: Item<() => void>[] = [];
  private xattrs: Item<NativeOp>[] = [];

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
  node(rel: string, op: NativeOp): void {
    this.note(rel);
    this.native.push({ rel, v: op });
  }
  /** metadata of a node made by node(), run after the nodes exist */
  afterNodes(rel: string, fn: () => void): void {
    this.note(rel);
    this.after.push({ rel, v: fn });
  }
  xattr(rel: string, op: NativeOp): void {
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
    await runNativeOps(this.native.map((i) => i.v));
    this.check(this.after);
    for (const i of this.after) {
      // the node made just above: never a link put there (chmod/utimes would follow it)
      if (lstatSync(fsName(this.abs(i.rel))).isSymbolicLink()) throw unsafePath(`${i.rel} became a symlink before its metadata was set`, { path: i.rel });
      i.v();
    }
    this.check(this.xattrs);
    await runNativeOps(this.xattrs.map((i) => i.v));
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
