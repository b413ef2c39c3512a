/**
 * Layer diff for the copying snapshotter: compare the rootfs after the step with the metadata
 * snapshot taken before it (CopyMount.base).
 *
 *  - new path, or a different type → added
 *  - same type: changed when mode, owner, size, mtime (ns; not for directories), link target or
 *    device differs; when all
 *    of that is equal but the mtime has no sub-second part (so a same-second rewrite could hide),
 *    the contents are compared with the lower layer's file
 *  - a path of a directory that still exists but is gone from it → `.wh.<name>`
 *  - directories: emitted when new, changed (mode, owner) or when anything below them is
 *
 * No opaque markers: a replaced directory shows up as whiteouts of its old entries.
 */
import { lstat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { DiffFn, Mounted } from '../exec/types.js';
import { BuildError } from '../errors.js';
import { CopyMount, baseEntry, type BaseEntry, type BaseTree } from '../snapshot/copy.js';
import { layerStream } from './layer-stream.js';
import { fileMeta, type Change, type ChangeKind } from './emit.js';
import { byName, isWhiteout, readNames, type DiffOptions } from './overlay-diff.js';
import { fsName } from '@tsbuild/layerstore';
import { sameBytes } from './same-bytes.js';
import { fileKind } from '../io/fileKind.js';

export const treeDiff: DiffFn = (mounted: Mounted, lowerdirs: string[], opts: DiffOptions): Readable => {
  const changes = mounted instanceof CopyMount
    ? treeChanges(mounted.root, mounted.base, lowerdirs, opts)
    : Promise.reject(new BuildError('E_USAGE', 'treeDiff needs a rootfs prepared by CopySnapshotter'));
  return layerStream(changes, opts);
};

/** The ordered change list of `root` against `base`. */
export async function treeChanges(root: string, base: BaseTree, lowerdirs: string[], opts: DiffOptions = {}): Promise<Change[]> {
  const exclude = new Set((opts.exclude ?? []).map((p) => p.replace(/^\/+|\/+$/g, '')));
  const topFirst = [...lowerdirs].reverse();
  const out: Change[] = [];

  async function walkDir(rel: string, wasDir: boolean): Promise<boolean> {
    const host = rel ? join(root, rel) : root;
    const names = readNames(host).filter((n) => !exclude.has(rel ? `${rel}/${n}` : n));
    const gone = wasDir ? (base.children.get(rel) ?? []).filter((n) => !names.includes(n) && !exclude.has(rel ? `${rel}/${n}` : n)) : [];
    const all = [...names.map((n) => ({ n, present: true })), ...gone.map((n) => ({ n, present: false }))].sort((a, b) => byName(a.n, b.n));
    const stats = await Promise.all(all.map((x) => (x.present ? lstat(fsName(join(host, x.n))) : Promise.resolve(undefined))));
    let any = false;
    for (const [i, { n, present }] of all.entries()) {
      const path = rel ? `${rel}/${n}` : n;
      const h = join(host, n);
      if (!present) {
        // a whiteout takes its owner/mode from the parent (it has no inode of its own here)
        out.push({ path, kind: 'whiteout', host: h, st: fileMeta(await lstat(fsName(host))) });
        any = true;
        continue;
      }
      const st = stats[i]!;
      const kind = kindOf(st);
      if (!kind) continue;
      const before = base.entries.get(path);
      if (kind === 'dir') {
        const at = out.length;
        out.push({ path, kind, host: h, st: fileMeta(st) });
        const sameDir = before?.kind === 'dir';
        const changed = !sameDir || (await metaDiffers(before!, h));
        const below = await walkDir(path, sameDir);
        if (below || changed) any = true;
        else out.length = at;
        continue;
      }
      if (!before || before.kind !== kind || (await metaDiffers(before, h)) || (kind === 'file' && (await contentDiffers(before, h, path, topFirst)))) {
        out.push({ path, kind, host: h, st: fileMeta(st) });
        any = true;
      }
    }
    return any;
  }

  async function metaDiffers(b: BaseEntry, host: string): Promise<boolean> {
    const now = baseEntry(await lstat(fsName(host), { bigint: true }));
    if (now.mode !== b.mode || now.uid !== b.uid || now.gid !== b.gid || now.rdev !== b.rdev) return true;
    // directories: not by mtime — current BuildKit's differs compare a directory by mode, owner and
    // device only (continuity fs `sameFile`, util/overlay `sameDirent`); what changed inside it shows
    // up through its entries, which bring their parents along
    if (b.kind === 'dir') return false;
    if (now.mtimeNs !== b.mtimeNs) return true;
    return now.size !== b.size;
  }

  async function contentDiffers(b: BaseEntry, host: string, path: string, lowers: string[]): Promise<boolean> {
    if (b.mtimeNs % 1_000_000_000n !== 0n) return false;
    for (const l of lowers) {
      const st = await lstat(fsName(join(l, path))).catch(() => undefined);
      if (!st) continue;
      if (isWhiteout(st) || !st.isFile()) return true;
      return !(await sameBytes(join(l, path), host)); // (sameBytes opens both with fsName)
    }
    return true;
  }

  await walkDir('', true);
  return out;
}

/** a socket has no place in a layer */
function kindOf(st: Stats): ChangeKind | undefined {
  const k = fileKind(st);
  return k === 'socket' ? undefined : k;
}
