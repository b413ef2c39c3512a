/**
 * Recursive copy with BuildKit's (fsutil copy) rules: a directory that already exists at the
 * destination keeps its metadata at the top level (only its times follow the source) but is
 * overwritten below it; files replace files (never directories); symlinks are copied as links;
 * hardlinks inside one copy stay hardlinks; owner = --chown, else 0:0 for the context, else the
 * source's; mode = --chmod (files and directories) else the source's; atime/mtime preserved.
 */
import { decodeName, fsName } from '@tsbuild/layerstore';
import { copyFile, lchown, link, mkdir, readdir, readlink, rm, symlink, chmod, writeFile } from 'node:fs/promises';
import { constants as fsConstants, type Dirent } from 'node:fs';
import type { Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pLimit from 'p-limit';
import { BuildError } from '../errors.js';
import type { IgnoreMatcher } from '../context/ignoreMatcher.js';
import { readCapabilities, writeCapabilities } from './capabilities.js';
import { chmodMode, type ChmodSpec } from './chmod.js';
import { applyMeta, lstatOrUndefined, makeSpecial, setTimes } from './fsops.js';
import { byteCompare } from './wildcard.js';
import type { CopySource } from './types.js';

/** queued + running leaf copies above which the directory walk waits */
const QUEUE_HIGH = 256;

export interface CopierOptions {
  source: CopySource;
  chown?: { uid: number; gid: number };
  chmod?: ChmodSpec;
  exclude?: IgnoreMatcher;
  signal?: AbortSignal;
  /** stripped from paths in error messages */
  destRoot?: string;
  /** concurrent file copies (default 16) */
  concurrency?: number;
  /** remember copied regular files so `applyCapabilities()` can carry their security.capability over */
  keepCapabilities?: boolean;
}

interface Pending { src: string; target: string; st: Stats; made?: Promise<void> }

export class Copier {
  entries = 0;
  bytes = 0;
  private readonly inodes = new Map<string, Promise<string>>();
  /** regular files copied since the last applyCapabilities (keepCapabilities only) */
  private copied: { src: string; target: string }[] = [];
  /** capabilities the source already knew for copied files (keepCapabilities only) */
  private knownCaps: { path: string; value: Buffer }[] = [];
  /** directories this copy created (their entries need no replace check) */
  private readonly fresh = new Set<string>();
  /** leaf copies run concurrently (directories recurse outside the limit, so it cannot deadlock) */
  private readonly limit: ReturnType<typeof pLimit>;
  /** walkers waiting for room in the copy queue (one is woken per finished copy) */
  private readonly waiters: (() => void)[] = [];
  /** this process's ids: files it creates already have them, so no chown is needed for those */
  private readonly myUid = process.getuid?.() ?? 0;
  private readonly myGid = process.getgid?.() ?? 0;
  constructor(private readonly opts: CopierOptions) {
    this.limit = pLimit(opts.concurrency ?? 16);
  }

  /**
   * Start a new source (one BuildKit copy action): directories created for an earlier source may
   * already hold entries, so they are no longer "fresh"; hardlinks are tracked per source too.
   */
  nextSource(): void {
    this.fresh.clear();
    this.inodes.clear();
  }

  private shown(p: string): string {
    const r = this.opts.destRoot;
    return r && p.startsWith(r) ? p.slice(r.length) || '/' : p;
  }

  ownerOf(st: Stats): { uid: number; gid: number } {
    if (this.opts.chown) return this.opts.chown;
    return this.opts.source.owner === 'root' ? { uid: 0, gid: 0 } : { uid: st.uid, gid: st.gid };
  }

  modeOf(st: Stats): number | undefined {
    return this.opts.chmod ? chmodMode(this.opts.chmod, st.mode, st.isDirectory()) : undefined;
  }

  private relRoot(abs: string): string {
    const root = this.opts.source.root;
    return abs === root ? '' : abs.startsWith(root + '/') ? abs.slice(root.length + 1) : '';
  }

  /**
   * Copy `src` (host path) to `target` (host path inside the destination rootfs).
   * `relMatch` is the path below the matched source ('' for the match itself) used by --exclude.
   */
  async copy(src: string, relMatch: string, target: string, overwriteMeta: boolean, pending: Pending[] = []): Promise<void> {
    this.opts.signal?.throwIfAborted();
    const st = await lstat(fsName(src));
    if (relMatch !== '') {
      const rr = this.relRoot(src);
      const ignored = rr !== '' && (this.opts.source.isIgnored?.(rr) ?? false);
      const excluded = this.opts.exclude?.matches(relMatch) ?? false;
      if (ignored || excluded) {
        const mayHold = st.isDirectory() && ((ignored && !(this.opts.source.canSkipIgnoredDir?.(rr) ?? !this.opts.source.ignoreHasExceptions)) || (excluded && !this.opts.exclude!.canSkipDir(relMatch)));
        if (!mayHold) return;
        const p: Pending = { src, target, st };
        await this.children(src, relMatch, target, [...pending, p]);
        if (p.made) await this.finishDir(target, st, true, true);
        return;
      }
    }
    await this.flush(pending);

    // inside a directory this copy created there is nothing to replace: skip the lstat
    const fresh = this.fresh.has(dirname(target));
    if (!st.isDirectory() && !fresh) await this.clearFileTarget(target);
    if (st.isDirectory()) {
      const existing = await lstatOrUndefined(target);
      let created = false;
      if (!existing) {
        await mkdir(fsName(target), { mode: 0o700 });
        created = true;
        this.fresh.add(target);
      } else if (!existing.isDirectory()) {
        throw new BuildError('E_COPY', `cannot copy to non-directory: ${this.shown(target)}`, { data: { target: this.shown(target) } });
      }
      this.entries++;
      await this.children(src, relMatch, target, []);
      await this.finishDir(target, st, created, overwriteMeta);
      return;
    }
    if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const prev = st.nlink > 1 ? this.inodes.get(key) : undefined;
      if (prev) await link(fsName(await prev), fsName(target));
      else {
        // EXCL: never write through something already at the target (e.g. a symlink)
        const done = copyFile(fsName(src), fsName(target), fsConstants.COPYFILE_EXCL).then(() => target);
        if (st.nlink > 1) this.inodes.set(key, done);
        await done;
        this.bytes += st.size;
        if (this.opts.keepCapabilities) {
          const known = this.opts.source.knownCapability?.(src, st);
          if (known === undefined) this.copied.push({ src, target });
          else if (known !== null && known !== undefined) this.knownCaps.push({ path: target, value: known });
        }
      }
    } else if (st.isSymbolicLink()) {
      await symlink(await readlink(fsName(src), { encoding: 'buffer' }), fsName(target));
    } else if (st.isFIFO() || st.isCharacterDevice() || st.isBlockDevice()) {
      await makeSpecial(target, st);
    } else if (st.isSocket()) {
      // BuildKit copies a socket as an empty regular file with the socket's permissions: fsutil
      // clears the socket bit when it sends the context (stat.go), and its copy makes a "socket
      // copied as stub" with mknod minus S_IFSOCK between stages (copy_nowindows.go copyDevice)
      await writeFile(fsName(target), '', { flag: 'wx' });
    } else {
      return;
    }
    this.entries++;
    await this.leafMeta(target, st);
  }

  /**
   * Metadata of a file/link/node this copy just created: the process owns it (root) and copyFile /
   * mknod already gave it the source mode, so chown/chmod run only when they change something
   * (a chown or a rootless write clears setuid/setgid, so those are re-applied).
   */
  private async leafMeta(target: string, st: Stats): Promise<void> {
    const owner = this.ownerOf(st);
    const mode = this.modeOf(st);
    const chowned = owner.uid !== this.myUid || owner.gid !== this.myGid;
    if (chowned) await lchown(fsName(target), owner.uid, owner.gid);
    if (!st.isSymbolicLink()) {
      const want = mode ?? st.mode & 0o7777;
      // setuid/setgid again even without a chown: copyFile sets the mode before it writes the data,
      // and a write clears them unless the writer has CAP_FSETID in the initial user namespace —
      // which a rootless build's root does not (rootless/reexec.ts)
      if (mode !== undefined || (want & 0o6000) !== 0 || !st.isFile()) await chmod(fsName(target), want);
    }
    await setTimes(target, st);
  }

  /**
   * Give the regular files copied since the last call the `security.capability` of their source:
   * one batched read, one batched write (only when some file has one). Call after the copy, when
   * owners are final (a chown clears capabilities). Returns how many files got one.
   */
  async applyCapabilities(): Promise<number> {
    const files = this.copied;
    const writes = this.knownCaps;
    this.copied = [];
    this.knownCaps = [];
    if (files.length > 0) {
      const caps = await readCapabilities(files.map((f) => f.src));
      for (const [i, value] of caps) writes.push({ path: files[i]!.target, value });
    }
    if (writes.length > 0) await writeCapabilities(writes);
    return writes.length;
  }

  /**
   * copy the entries of a directory: files concurrently (bounded), directories recursively. The
   * walk is admitted (before each readdir and each queued file) only while fewer than QUEUE_HIGH
   * file copies are queued or running, so a 20,000-file tree never has every copy queued at once
   * (memory stays flat; the walk runs just ahead of the copies).
   */
  private async children(src: string, relMatch: string, target: string, pending: Pending[]): Promise<void> {
    await this.admit();
    let ents: { name: string; isDirectory(): boolean }[] = (await readdir(fsName(src), { withFileTypes: true })).sort((a, b) => byteCompare(a.name, b.name));
    // names are bytes: a non-UTF-8 one (U+FFFD in Node's reading) is listed as its bytes
    if (ents.some((e) => e.name.includes('\ufffd'))) {
      ents = (await readdir(fsName(src), { withFileTypes: true, encoding: 'buffer' })).map((d) => ({ name: decodeName(d.name), isDirectory: () => d.isDirectory() })).sort((a, b) => byteCompare(a.name, b.name));
    }
    const tasks: Promise<void>[] = [];
    for (const e of ents) {
      const args = [join(src, e.name), relMatch === '' ? e.name : `${relMatch}/${e.name}`, join(target, e.name), true, pending] as const;
      if (e.isDirectory()) { tasks.push(this.copy(...args)); continue; }
      await this.admit();
      tasks.push(this.limit(() => this.copy(...args)).finally(() => this.waiters.shift()?.()));
    }
    await Promise.all(tasks);
  }

  /** resolves once fewer than QUEUE_HIGH leaf copies are queued or running */
  private async admit(): Promise<void> {
    while (this.limit.activeCount + this.limit.pendingCount >= QUEUE_HIGH) await new Promise<void>((r) => this.waiters.push(r));
  }

  private async finishDir(target: string, st: Stats, created: boolean, overwriteMeta: boolean): Promise<void> {
    if (created || overwriteMeta) await applyMeta(target, st, this.ownerOf(st), this.modeOf(st));
    else await setTimes(target, st);
  }

  /** create hidden-but-needed parent dirs (ignored dirs holding `!exception` files) */
  private async flush(pending: Pending[]): Promise<void> {
    for (const p of pending) {
      p.made ??= (async () => {
        const existing = await lstatOrUndefined(p.target);
        if (!existing) await mkdir(fsName(p.target), { mode: 0o700 });
        else if (!existing.isDirectory()) throw new BuildError('E_COPY', `cannot copy to non-directory: ${this.shown(p.target)}`, { data: { target: this.shown(p.target) } });
        else await chmod(fsName(p.target), this.modeOf(p.st) ?? p.st.mode & 0o7777);
        this.entries++;
      })();
      await p.made;
    }
  }

  /** a file may replace a file or link, never a directory */
  async clearFileTarget(target: string): Promise<void> {
    const t = await lstatOrUndefined(target);
    if (!t) return;
    if (t.isDirectory()) throw new BuildError('E_COPY', `cannot replace directory ${this.shown(target)} with a file`, { data: { target: this.shown(target) } });
    await rm(fsName(target) as string, { force: true });
  }
}
