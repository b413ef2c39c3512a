/**
 * Mount-target stubs: a bind mount needs an existing target, so missing ones (/etc/hosts in a
 * scratch image, `--mount target=` dirs) are created as empty files/dirs before the run — inside
 * the rootfs, i.e. in the upperdir. (runc's /proc /dev /sys mount points are not stubs: BuildKit
 * keeps them, see prepare-run.ts.) As in BuildKit (executor/stubs.go MountStubsCleaner) they are not part of the
 * step's result: after the run each stub that is still an empty placeholder is removed again and
 * the parent directory's timestamps are restored (to their pre-run values when the step didn't
 * touch the directory itself), so the layer doesn't show them.
 * Sync fs calls on purpose: a handful of syscalls on the step-startup hot path.
 */
import { chmodSync, lstatSync, lutimesSync, mkdirSync, rmdirSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { parentsAreDirs, resolveInRoot } from '@tsbuild/layerstore';
import { BuildError } from '../errors.js';

interface Stub { host: string; kind: 'dir' | 'file' }
interface Times { atime: Date; mtime: Date; afterCreateMs: number }

export class MountStubs {
  private readonly stubs: Stub[] = [];
  /** parent dir (host path) -> its times before the first stub went in */
  private readonly parents = new Map<string, Times>();

  constructor(readonly root: string) {}

  /** Host paths of the stubs created so far (relative to root), for diff exclusion. */
  created(): string[] {
    return this.stubs.map((s) => s.host.slice(this.root.length + 1));
  }

  /** Ensure `path` (container view) exists as `kind`; returns its resolved host path. */
  ensure(path: string, kind: 'dir' | 'file'): string {
    let host: string;
    try {
      host = resolveInRoot(this.root, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
      throw new BuildError('E_MOUNT', `mount target ${path}: too many levels of symbolic links in the rootfs`, { cause: err });
    }
    if (host === this.root) return host;
    const st = tryLstat(host);
    if (st) return host;
    try {
      this.ensureParent(dirname(host));
      this.noteParent(dirname(host));
      if (kind === 'dir') mkdirSync(host, { mode: 0o755 });
      else writeFileSync(host, '', { mode: 0o644, flag: 'wx' });
    } catch (err) {
      // e.g. a file where a directory of the target should be (ENOTDIR): a clear error, as runc's
      const code = (err as NodeJS.ErrnoException).code ?? '';
      throw new BuildError('E_MOUNT', `cannot create mount target ${path}: ${code === 'ENOTDIR' || code === 'EEXIST' ? 'not a directory' : code || (err as Error).message}`, { cause: err });
    }
    chmodSync(host, kind === 'dir' ? 0o755 : 0o644); // not the caller's umask
    this.stubs.push({ host, kind });
    this.noteAfterCreate(dirname(host));
    return host;
  }

  private ensureParent(dir: string): void {
    if (dir === this.root || dir.length <= this.root.length) return;
    if (tryLstat(dir)) return;
    this.ensureParent(dirname(dir));
    this.noteParent(dirname(dir));
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    this.stubs.push({ host: dir, kind: 'dir' });
    this.noteAfterCreate(dirname(dir));
  }

  private noteParent(dir: string): void {
    if (this.parents.has(dir)) return;
    const st = lstatSync(dir);
    this.parents.set(dir, { atime: st.atime, mtime: st.mtime, afterCreateMs: -1 });
  }

  private noteAfterCreate(dir: string): void {
    const t = this.parents.get(dir);
    if (t) t.afterCreateMs = lstatSync(dir).mtimeMs;
  }

  /**
   * Remove the stubs that are still empty placeholders, deepest first; restore parents' times.
   * The step ran in between and may have moved a stub's directory away and put a symlink to a host
   * directory in its place (`mv /newdir /moved; ln -s /host/dir /newdir`): every path is only
   * touched while each of its components below the root is still a real directory, and the last
   * one is never followed (unlink/rmdir/lutimes), so nothing outside the rootfs is reached.
   */
  cleanup(): void {
    const before = new Map<string, { atime: Date; mtime: Date; touched: boolean }>();
    for (const [dir, t] of this.parents) {
      const st = this.stillOurs(dir);
      if (st?.isDirectory()) before.set(dir, { atime: st.atime, mtime: st.mtime, touched: st.mtimeMs !== t.afterCreateMs });
    }
    for (const stub of [...this.stubs].reverse()) {
      const st = this.stillOurs(stub.host);
      if (!st) continue;
      try {
        if (stub.kind === 'file' && st.isFile() && st.size === 0) unlinkSync(stub.host);
        else if (stub.kind === 'dir' && st.isDirectory()) rmdirSync(stub.host);
      } catch {
        // the step put something there: it stays, as in BuildKit
      }
    }
    for (const [dir, now] of before) {
      if (!this.stillOurs(dir)?.isDirectory()) continue;
      const orig = this.parents.get(dir)!;
      const t = now.touched ? now : orig;
      try {
        lutimesSync(dir, t.atime, t.mtime);
      } catch {
        // gone or read-only: nothing to restore
      }
    }
    this.stubs.length = 0;
    this.parents.clear();
  }

  /** lstat of `host` when it is the root or every component above it is a real directory; else undefined */
  private stillOurs(host: string): Stats | undefined {
    if (host !== this.root) {
      if (!host.startsWith(`${this.root}/`)) return undefined;
      if (!parentsAreDirs(this.root, host.slice(this.root.length + 1))) return undefined;
    }
    return tryLstat(host);
  }
}

function tryLstat(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}
