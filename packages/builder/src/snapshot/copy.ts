/**
 * Copying snapshotter, for machines where overlayfs can't be mounted: the step's rootfs is a
 * real directory built from the lowerdirs (lowest first, overlay-ready form), applying each
 * layer's whiteouts (0/0 char devices) and opaque directories (`trusted.overlay.opaque=y`),
 * with one `cp -a` per layer (hardlinks, owners, modes, timestamps, xattrs preserved).
 * A metadata snapshot of the result is kept so the tree differ (../diff/tree-diff.ts) can
 * compare the rootfs after the step with the state before it.
 */
import { fsName } from '@tsbuild/layerstore';
import { readNames } from '../diff/overlay-diff.js';
import { lstat, mkdir, rm, utimes } from 'node:fs/promises';
import type { BigIntStats, Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Mounted, Snapshotter } from '../exec/types.js';
import { hostTools } from '../exec/host-tools.js';
import { readXattrs } from '../diff/xattrs.js';
import { runTool } from './run-tool.js';
import { BuildError } from '../errors.js';
import { overlayOpaqueXattr, parentsAreDirs } from '@tsbuild/layerstore';
import { fileKind } from '../io/fileKind.js';

/** Metadata of one path of the rootfs before the step. */
export interface BaseEntry {
  kind: 'dir' | 'file' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';
  mode: number;
  uid: number;
  gid: number;
  size: bigint;
  mtimeNs: bigint;
  rdev: bigint;
}

export interface BaseTree {
  entries: Map<string, BaseEntry>;
  /** dir rel path ('' = root) -> child names */
  children: Map<string, string[]>;
}

export class CopyMount implements Mounted {
  readonly overlay = false;
  private releasing?: Promise<void>;
  constructor(readonly root: string, private readonly scratch: string, readonly base: BaseTree, readonly lowerdirs: string[]) {}
  /** the copy has no separate writable layer: the whole rootfs is compared with `base` */
  get upperdir(): string {
    return this.root;
  }
  release(): Promise<void> {
    this.releasing ??= rm(this.scratch, { recursive: true, force: true });
    return this.releasing;
  }
}

export class CopySnapshotter implements Snapshotter {
  readonly name = 'copy';

  async prepare(lowerdirs: string[], opts: { scratchDir: string }): Promise<Mounted> {
    const root = join(opts.scratchDir, 'root');
    await mkdir(root, { recursive: true });
    try {
      for (const layer of lowerdirs) await applyLayer(layer, root);
      const base = await snapshotTree(root);
      return new CopyMount(root, opts.scratchDir, base, lowerdirs);
    } catch (err) {
      await rm(opts.scratchDir, { recursive: true, force: true }).catch(() => undefined);
      throw err instanceof BuildError ? err : new BuildError('E_MOUNT', `cannot prepare the copied rootfs: ${(err as Error).message}`, { cause: err });
    }
  }
}

interface LayerScan {
  whiteouts: string[];
  dirs: string[];
  nondirs: string[];
}

async function scan(layer: string, rel: string, acc: LayerScan): Promise<void> {
  const names = readNames(join(layer, rel));
  const stats = await Promise.all(names.map((n) => lstat(fsName(join(layer, rel, n)))));
  for (const [i, name] of names.entries()) {
    const p = rel ? `${rel}/${name}` : name;
    const st = stats[i]!;
    if (st.isCharacterDevice() && st.rdev === 0) acc.whiteouts.push(p);
    else if (st.isDirectory()) {
      acc.dirs.push(p);
      await scan(layer, p, acc);
    } else acc.nondirs.push(p);
  }
}

/** Lay one overlay-form layer over `root`. */
export async function applyLayer(layer: string, root: string): Promise<void> {
  const acc: LayerScan = { whiteouts: [], dirs: [], nondirs: [] };
  await scan(layer, '', acc);
  const opq = await readXattrs(acc.dirs.map((d) => ({ path: join(layer, d), name: overlayOpaqueXattr() })));
  const opaque = [...opq].filter(([, v]) => v.toString() === 'y').map(([i]) => acc.dirs[i]!);
  const removals = [...opaque, ...acc.whiteouts];
  // `root` holds the lower layers, which may have a symlink where this layer has a directory
  // (`a -> /etc` below, `a/passwd` here): only paths whose parents are real directories of root are
  // looked at; the symlink itself is a non-directory where a dir goes, so it is removed (and with it
  // everything this layer puts below it is written into a fresh directory by cp)
  for (const d of acc.dirs) {
    if (!parentsAreDirs(root, d)) continue;
    const st = await lstat(fsName(join(root, d))).catch(() => undefined);
    if (st && !st.isDirectory()) removals.push(d);
  }
  for (const f of acc.nondirs) {
    if (!parentsAreDirs(root, f)) continue;
    const st = await lstat(fsName(join(root, f))).catch(() => undefined);
    if (st) removals.push(f);
  }
  // shallowest first, one at a time, each re-checked: a removed link must not be followed by a deeper removal
  removals.sort((a, b) => a.split('/').length - b.split('/').length);
  for (const p of removals) if (parentsAreDirs(root, p)) await rm(fsName(join(root, p)) as string, { recursive: true, force: true });
  await runTool(hostTools().cp, ['-a', `${layer}/.`, `${root}/`]);
  // cp copied the whiteout devices too: drop them and give their parents the layer's times back
  for (const w of acc.whiteouts) {
    await rm(fsName(join(root, w)) as string, { force: true });
    const parent = dirname(w) === '.' ? '' : dirname(w);
    const st: Stats = await lstat(fsName(join(layer, parent)));
    await utimes(fsName(join(root, parent)), st.atime, st.mtime);
  }
}

/** Metadata of every path under `root` (for the tree differ). */
export async function snapshotTree(root: string): Promise<BaseTree> {
  const tree: BaseTree = { entries: new Map(), children: new Map() };
  async function walk(rel: string): Promise<void> {
    const names = readNames(rel ? join(root, rel) : root);
    tree.children.set(rel, names);
    const stats = await Promise.all(names.map((n) => lstat(fsName(join(root, rel, n)), { bigint: true })));
    for (const [i, name] of names.entries()) {
      const p = rel ? `${rel}/${name}` : name;
      const e = baseEntry(stats[i]!);
      tree.entries.set(p, e);
      if (e.kind === 'dir') await walk(p);
    }
  }
  await walk('');
  return tree;
}

export function baseEntry(st: BigIntStats): BaseEntry {
  const kind: BaseEntry['kind'] = fileKind(st);
  return { kind, mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid), size: st.size, mtimeNs: st.mtimeNs, rdev: st.rdev };
}
