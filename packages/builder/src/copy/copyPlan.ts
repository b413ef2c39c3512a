/**
 * The entry list of a one-pass COPY (copyToLayer.ts), kept compact because the whole list is live
 * for the whole copy: per entry its name and six numbers in one Float64Array, and each directory's
 * source and layer path once, instead of an object with two full path strings and boxed times per
 * entry (a quarter of the memory per entry, docs/performance.md).
 * step() gets each entry back as a short-lived CopyItem.
 */

/** One entry of the copy, in tar order; `end` closes a directory (its mode and times go on last). */
export interface CopyItem {
  op: CopyItemOp;
  /** layer path (no leading slash) */
  path: string;
  src: string;
  mode: number;
  size: number;
  atimeMs: number;
  mtimeMs: number;
  /** symlinks: the target */
  link?: string;
}

export type CopyItemOp = 'dir' | 'file' | 'symlink' | 'end';
const OPS: readonly CopyItemOp[] = ['dir', 'file', 'symlink', 'end'];

export interface CopyDir { src: string; path: string }

/** numbers per entry in `nums`: op, ref (see below), mode, size, atimeMs, mtimeMs */
const F = 6;

export class CopyPlan {
  /** the entries' numbers, F per entry, grown by doubling (off the V8 heap, no boxed doubles) */
  private nums = new Float64Array(F * 1024);
  /** file/symlink: its name in the directory `ref` points at; dir/end: unused ('') */
  private readonly names: string[] = [];
  /** ref of a file/symlink: its containing directory; of dir/end: the directory itself */
  private readonly dirs: CopyDir[] = [];
  private readonly links = new Map<number, string>();

  /** the tar bytes the entries make: a 512-byte header each (not 'end') and file contents padded to 512 */
  private bytes = 0;

  get length(): number {
    return this.names.length;
  }

  get tarBytes(): number {
    return this.bytes;
  }

  /** a directory's index for later entries */
  addDir(dir: CopyDir): number {
    return this.dirs.push(dir) - 1;
  }

  /** `ref`: an addDir() index (see `dirs`); `link`: a symlink's target */
  add(op: CopyItemOp, ref: number, name: string, mode: number, size: number, atimeMs: number, mtimeMs: number, link?: string): void {
    const i = this.names.length;
    if (link !== undefined) this.links.set(i, link);
    if ((i + 1) * F > this.nums.length) {
      const grown = new Float64Array(this.nums.length * 2);
      grown.set(this.nums);
      this.nums = grown;
    }
    const o = i * F;
    const v = this.nums;
    v[o] = OPS.indexOf(op);
    v[o + 1] = ref;
    v[o + 2] = mode;
    v[o + 3] = size;
    v[o + 4] = atimeMs;
    v[o + 5] = mtimeMs;
    this.names.push(name);
    if (op !== 'end') this.bytes += 512 + (op === 'file' ? Math.ceil(size / 512) * 512 : 0);
  }

  item(i: number): CopyItem {
    const v = this.nums;
    const o = i * F;
    const op = OPS[v[o]!]!;
    const d = this.dirs[v[o + 1]!]!;
    const own = op === 'dir' || op === 'end';
    const it: CopyItem = {
      op,
      path: own ? d.path : `${d.path}/${this.names[i]}`,
      src: own ? d.src : `${d.src}/${this.names[i]}`,
      mode: v[o + 2]!, size: v[o + 3]!, atimeMs: v[o + 4]!, mtimeMs: v[o + 5]!,
    };
    const link = this.links.get(i);
    if (link !== undefined) it.link = link;
    return it;
  }
}
