/**
 * Apply one uncompressed layer tar to a directory, safely.
 *
 *  mode 'overlay': dest holds ONLY this layer (an overlayfs lowerdir): `.wh.NAME` becomes a 0/0
 *                  character device NAME, `.wh..wh..opq` sets trusted.overlay.opaque=y on its dir.
 *  mode 'flatten': dest is the union of the layers applied so far: `.wh.NAME` removes NAME, an
 *                  opaque marker removes what lower layers put in its directory.
 *
 * Never follows a symlink while writing: a parent component that is a symlink, an absolute
 * name or a `..` escape is E_UNSAFE_PATH. Preserves modes, owners, mtimes (directories last),
 * SCHILY.xattr.* (incl. security.capability), hardlinks (to lower layers: copied), symlinks,
 * device nodes and fifos.
 *
 * Files are written with synchronous syscalls (no thread-pool hop per call) until a layer shows
 * it has many small files; from then on small files are packed into batches that worker threads
 * create (writepool.ts) while this thread goes on parsing. Directories are always made here,
 * before anything is queued into them, and every step that could touch a queued path (a
 * duplicate name, a hardlink to a queued file, a whiteout, replacing a directory that has
 * queued files, an implicit parent that is a queued file) first waits for the queue to drain,
 * so the result is exactly that of doing it all in tar order on one thread.
 */
import { utimeSeconds, utimeSecondsNumber } from './utime.js';
import * as fs from 'node:fs';
import { join, dirname, normalize } from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import type { Readable } from 'node:stream';
import { parentsAreDirs, safeEntryName } from '../fs/scoped.js';
import { DeferredOps } from './deferred.js';
import { mapped, overlayOpaqueXattr, readIdMap, type IdMap } from './id-map.js';
// names are bytes: escaped in strings, handed to node:fs as such (a non-UTF-8 name is written on this thread)
import { decodeName, fsName as F, hasEscapes } from '../util/bytesName.js';
import { WritePool, RECORD_HEADER, FLAG_CHOWN, FLAG_CHMOD, type Slot } from './writepool.js';
import { parseTar, type TarHeader } from '../tar/reader.js';
import { badArchive, unsafePath } from '../errors.js';

export type ExtractMode = 'overlay' | 'flatten';

export interface ExtractOptions {
  mode: ExtractMode;
  /** lower layer dirs, TOP FIRST (overlay mode): hardlinks into them are copied, implicit dirs copy their attributes */
  lowers?: () => Promise<string[]>;
  /**
   * worker threads for small files (default: the CPUs idle besides this thread, 0..3, which depends
   * on the load average — callers and tests force it with a number); 0 writes everything on this thread
   */
  writers?: number;
  /** small files written on this thread before the workers start (default 1000: small layers never pay for them) */
  writerThreshold?: number;
}

export interface ExtractStats { entries: number; bytes: number }

const WH = '.wh.';
const OPAQUE = '.wh..wh..opq';
/** Per-process facts, read on first use — never at module scope: the CLI runs from a V8 startup
 * snapshot, which would freeze them. Files we create are owned by our fsuid/fsgid: chown is
 * skipped for 0:0 when that is root:root. */
let procFacts: { isRoot: boolean; rootGroup: boolean; umask: number; idMap: IdMap | undefined } | undefined;
function proc(): { isRoot: boolean; rootGroup: boolean; umask: number; idMap: IdMap | undefined } {
  return (procFacts ??= {
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    rootGroup: typeof process.getgid === 'function' && process.getgid() === 0,
    umask: readUmask(),
    idMap: readIdMap(),
  });
}

function readUmask(): number {
  try {
    const m = /^Umask:\s+([0-7]+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? parseInt(m[1]!, 8) : 0o777;
  } catch {
    return 0o777; // unknown: always chmod
  }
}

/** files up to this size go to the workers (bigger ones are written here, as they stream in) */
const SMALL_FILE = 512 << 10;
/** shared batch buffers: their size, how many each worker has, and when a batch is handed over */
const SLOT_BYTES = 1 << 20;
const SLOTS_PER_WORKER = 3;
const SEND_BYTES = 128 << 10;
const SEND_FILES = 64;
/** lstat of a path that may well not exist: undefined instead of building an exception (ENOENT, ENOTDIR) */
const NO_THROW = { throwIfNoEntry: false } as const;
const OPEN_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/**
 * Workers for an extraction: this thread parses, idle CPUs create files. On a busy machine there
 * is no idle CPU to gain, and the same work split over threads costs more CPU in all (and was
 * slower than one thread on a shared 2-vCPU VM, docs/performance.md), so none.
 */
function spareCpus(): number {
  const spare = Math.round(availableParallelism() - 1 - loadavg()[0]!);
  return Math.min(3, Math.max(0, spare));
}

interface DirTimes { path: string; atime: Date; mtime: Date }

export async function extract(src: Readable, dest: string, opts: ExtractOptions): Promise<ExtractStats> {
  const x = new Extractor(dest, opts);
  await x.run(src);
  return { entries: x.entries, bytes: x.bytes };
}

class Extractor {
  entries = 0;
  bytes = 0;
  /** relative dirs known to be real directories in dest (not symlinks) */
  private readonly dirs = new Set<string>(['']);
  /** relative paths this layer created (flatten: opaque dirs keep these) */
  private readonly created = new Set<string>();
  private readonly dirTimes = new Map<string, DirTimes>();
  /** mknod/xattr work done by path at the end, dropped when its path is replaced (deferred.ts) */
  private readonly deferred: DeferredOps;
  private rootSeen = false;
  /** directories with the setgid bit: files created in them inherit the dir's group */
  private readonly setgidDirs = new Set<string>();
  private plainOwner: boolean;
  private lowerDirs?: string[];
  /** `dest` + '/', to which normalised relative names are appended */
  private readonly prefix: string;

  // --- small files on worker threads ---
  private readonly writers: number;
  private readonly threshold: number;
  private smallFiles = 0;
  private pool?: WritePool;
  /** the batch being filled, its used length and file count */
  private slot?: Slot;
  private batchLen = 0;
  private batchFiles = 0;
  /** the queued file whose body is being copied in: where the next body byte goes, and its end */
  private qpos = -1;
  private qend = 0;
  /** relative paths of queued files since the last drain, and every directory above them */
  private readonly queued = new Set<string>();
  private readonly queuedDirs = new Set<string>();

  constructor(private readonly dest: string, private readonly opts: ExtractOptions) {
    // flatten mode writes into dirs of earlier layers we did not look at: always chown there
    this.plainOwner = proc().isRoot && proc().rootGroup && opts.mode === 'overlay';
    const n = normalize(dest);
    this.prefix = n.endsWith('/') ? n : `${n}/`;
    this.deferred = new DeferredOps(this.prefix.slice(0, -1));
    this.writers = opts.writers ?? spareCpus();
    this.threshold = opts.writerThreshold ?? 1000;
  }

  async run(src: Readable): Promise<void> {
    try {
      await parseTar(src, {
        entry: (h) => this.entry(h),
        data: (c) => this.data(c),
        end: () => this.endEntry(),
      });
      await this.drain();
    } catch (err) {
      this.closeCurrent();
      src.destroy();
      // no worker may write into dest once we return (the caller removes it)
      await this.pool?.close();
      const e = err as Error & { code?: string };
      throw e.code?.startsWith('E_') ? e : badArchive(`cannot extract layer: ${e.message}`, undefined, e);
    }
    await this.pool?.close();
    // an empty layer (1024 zero bytes, diffID sha256:5f70bf18…) is valid: BuildKit commits one for every
    // RUN/COPY/WORKDIR that changed nothing, so extraction must accept it (needed by the builder)
    if (!this.rootSeen) await this.inheritDir('');
    await this.deferred.run();
    // directory mtimes last, deepest first, so creating children does not disturb them; forget()
    // dropped those of replaced directories, and each is checked again (utimes follows links)
    const list = [...this.dirTimes.entries()].sort((a, b) => b[1].path.length - a[1].path.length);
    const realDirs = new Set<string>(['']);
    for (const [rel, d] of list) {
      if (!this.isRealDir(rel, realDirs)) throw unsafePath(`directory ${rel} was replaced before its times were set`, { path: rel });
      fs.utimesSync(F(d.path), utimeSeconds(d.atime), utimeSeconds(d.mtime));
    }
  }

  /** `rel` and every directory above it are real directories now (one lstat per directory, memoised in `known`) */
  private isRealDir(rel: string, known: Set<string>): boolean {
    if (known.has(rel)) return true;
    const slash = rel.lastIndexOf('/');
    if (!this.isRealDir(slash < 0 ? '' : rel.slice(0, slash), known)) return false;
    if (!fs.lstatSync(F(this.prefix + rel), NO_THROW)?.isDirectory()) return false;
    known.add(rel);
    return true;
  }

  /** the regular file being written, if any */
  private cur?: { fd: number; path: string; h: TarHeader };

  private data(c: Buffer): void {
    if (this.qpos >= 0) {
      c.copy(this.slot!.buf, this.qpos);
      this.qpos += c.length;
      this.bytes += c.length;
      return;
    }
    const cur = this.cur;
    if (!cur) return;
    let off = 0;
    while (off < c.length) off += fs.writeSync(cur.fd, c, off, c.length - off);
    this.bytes += c.length;
  }

  private endEntry(): void | Promise<void> {
    if (this.qpos >= 0) {
      if (this.qpos !== this.qend) throw badArchive('tar entry body has the wrong size');
      this.qpos = -1;
      this.batchLen = this.qend;
      this.batchFiles++;
      if (this.batchLen >= SEND_BYTES || this.batchFiles >= SEND_FILES) this.flush();
      return;
    }
    const cur = this.cur;
    if (!cur) return;
    this.cur = undefined;
    const { fd, h, path } = cur;
    try {
      if (proc().isRoot && !(h.uid === 0 && h.gid === 0 && this.plainOwner)) fs.fchownSync(fd, h.uid, h.gid);
      if ((h.mode & 0o7777) !== ((h.mode & 0o777) & ~proc().umask)) fs.fchmodSync(fd, h.mode & 0o7777);
      fs.futimesSync(fd, utimeSeconds(h.mtime), utimeSeconds(h.mtime));
    } finally {
      fs.closeSync(fd);
    }
    this.queueXattrs(path, h);
  }

  private closeCurrent(): void {
    if (this.cur) {
      try {
        fs.closeSync(this.cur.fd);
      } catch {
        /* already closed */
      }
      this.cur = undefined;
    }
  }

  private entry(h: TarHeader): void | Promise<void> {
    this.entries++;
    // a user namespace without this owner (single-uid rootless): the file stays root's (id-map.ts)
    const idMap = proc().idMap;
    if (idMap) {
      if (!mapped(idMap.uids, h.uid)) h.uid = 0;
      if (!mapped(idMap.gids, h.gid)) h.gid = 0;
    }
    const rel = safeEntryName(h.name);
    const slash = rel.lastIndexOf('/');
    const name = slash < 0 ? rel : rel.slice(slash + 1);
    const parent = slash < 0 ? '' : rel.slice(0, slash);
    if (this.queued.size > 0 && this.touchesQueued(h, rel, parent, name)) return this.drain().then(() => this.entryAt(h, rel, parent, name));
    return this.entryAt(h, rel, parent, name);
  }

  /**
   * Could this entry, done now on this thread, see or disturb a file still queued for a worker?
   * Conservative: a false "yes" only costs a drain.
   */
  private touchesQueued(h: TarHeader, rel: string, parent: string, name: string): boolean {
    if (name.startsWith(WH)) return true; // removes things, maybe whole queued subtrees
    if (this.queued.has(rel)) return true; // a later duplicate replaces it
    // replacing whatever is at rel: a directory there may hold queued files
    if ((this.opts.mode === 'flatten' || this.created.has(rel)) && this.queuedDirs.has(rel)) return true;
    // an implicit parent that is a queued file (E_UNSAFE_PATH when done in order)
    if (parent !== '' && !this.dirs.has(parent) && this.queuedPrefix(parent)) return true;
    if (h.type === 'link') {
      let target: string;
      try {
        target = safeEntryName(h.linkname);
      } catch {
        return false; // hardlink() reports it
      }
      if (this.queuedPrefix(target)) return true;
    }
    return false;
  }

  /** `rel` itself or one of the directories above it is a queued file */
  private queuedPrefix(rel: string): boolean {
    for (let i = rel.indexOf('/'); i > 0; i = rel.indexOf('/', i + 1)) if (this.queued.has(rel.slice(0, i))) return true;
    return this.queued.has(rel);
  }

  private entryAt(h: TarHeader, rel: string, parent: string, name: string): void | Promise<void> {
    if (name.startsWith(WH)) {
      // overlay: the whiteout needs its directory here, with the lower layer's attributes
      if (this.opts.mode === 'overlay' && parent !== '' && !this.dirs.has(parent)) return this.ensureDir(parent).then(() => this.whiteout(parent, name));
      return this.whiteout(parent, name);
    }
    if (rel === '') {
      if (h.type !== 'directory') throw badArchive('layer root entry is not a directory');
      this.rootSeen = true;
      this.setMeta(this.dest, h, true);
      this.dirTimes.set('', { path: this.dest, atime: h.mtime, mtime: h.mtime });
      this.queueXattrs(this.dest, h);
      return;
    }
    if (parent !== '' && !this.dirs.has(parent)) return this.ensureDir(parent).then(() => this.create(rel, parent, h));
    return this.create(rel, parent, h);
  }

  private create(rel: string, parent: string, h: TarHeader): void | Promise<void> {
    const path = this.prefix + rel;
    // a fresh overlay dir can only already hold `rel` when the tar repeats it (the later entry wins)
    const mayExist = this.opts.mode === 'flatten' || this.created.has(rel);
    this.created.add(rel);
    if (this.setgidDirs.size && this.setgidDirs.has(parent)) this.plainOwner = false;
    switch (h.type) {
      case 'directory':
        return this.directory(rel, path, h);
      case 'file':
      case 'contiguous-file': {
        if (mayExist) this.replace(rel, path);
        if (h.size <= SMALL_FILE && this.writers > 0 && path.length <= 4096 && !hasEscapes(path)) {
          if (this.pool) return this.queueFile(rel, path, h);
          if (++this.smallFiles >= this.threshold) return this.startPool().then(() => this.queueFile(rel, path, h));
        }
        const fd = fs.openSync(F(path), OPEN_FLAGS, h.mode & 0o777);
        this.cur = { fd, path, h };
        return;
      }
      case 'symlink':
        if (mayExist) this.replace(rel, path);
        fs.symlinkSync(F(h.linkname), F(path));
        this.setMeta(path, h, false);
        return;
      case 'link':
        if (mayExist) this.replace(rel, path);
        return this.hardlink(path, h);
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        if (mayExist) this.replace(rel, path);
        const type = h.type === 'fifo' ? fs.constants.S_IFIFO : h.type === 'block-device' ? fs.constants.S_IFBLK : fs.constants.S_IFCHR;
        this.deferred.node(rel, { path, mode: type | 0o600, major: h.type === 'fifo' ? 0 : h.devmajor, minor: h.type === 'fifo' ? 0 : h.devminor });
        this.deferred.afterNodes(rel, () => this.setMeta(path, h, true));
        this.queueXattrs(path, h);
        return;
      }
      default:
      // unknown entry types are skipped, like docker does
    }
  }

  private async startPool(): Promise<void> {
    this.pool = await WritePool.start(this.writers, SLOT_BYTES, SLOTS_PER_WORKER);
  }

  /** Append a record for this file to the batch; its body follows through data(). */
  private queueFile(rel: string, path: string, h: TarHeader): void | Promise<void> {
    const pool = this.pool!;
    const need = RECORD_HEADER + path.length * 3 + h.size;
    if (this.slot && SLOT_BYTES - this.batchLen < need) this.flush();
    if (!this.slot) {
      const slot = pool.take();
      if (!slot) return pool.whenFree().then(() => this.queueFile(rel, path, h));
      this.slot = slot;
      this.batchLen = 0;
      this.batchFiles = 0;
    }
    const b = this.slot.buf;
    const o = this.batchLen;
    let flags = 0;
    if (proc().isRoot && !(h.uid === 0 && h.gid === 0 && this.plainOwner)) flags |= FLAG_CHOWN;
    if ((h.mode & 0o7777) !== ((h.mode & 0o777) & ~proc().umask)) flags |= FLAG_CHMOD;
    b[o] = flags;
    b.writeUInt32LE(h.mode & 0o777, o + 4);
    b.writeUInt32LE(h.mode & 0o7777, o + 8);
    b.writeUInt32LE(h.uid, o + 12);
    b.writeUInt32LE(h.gid, o + 16);
    b.writeDoubleLE(utimeSecondsNumber(h.mtime), o + 20); // seconds, as futimes takes them
    const plen = b.write(path, o + RECORD_HEADER, 'utf8');
    b.writeUInt32LE(plen, o + 28);
    b.writeUInt32LE(h.size, o + 32);
    this.qpos = o + RECORD_HEADER + plen;
    this.qend = this.qpos + h.size;
    this.queued.add(rel);
    for (let d = rel.lastIndexOf('/'); d > 0; d = rel.lastIndexOf('/', d - 1)) {
      const dir = rel.slice(0, d);
      if (this.queuedDirs.has(dir)) break;
      this.queuedDirs.add(dir);
    }
    this.queueXattrs(path, h);
  }

  /** hand the current batch to a worker */
  private flush(): void {
    if (!this.slot) return;
    this.pool!.send(this.slot, this.batchLen);
    this.slot = undefined;
    this.batchLen = 0;
    this.batchFiles = 0;
  }

  /** Wait until every queued file exists. */
  private async drain(): Promise<void> {
    if (!this.pool) return;
    this.flush();
    await this.pool.drain();
    this.queued.clear();
    this.queuedDirs.clear();
  }

  private directory(rel: string, path: string, h: TarHeader): void {
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(F(path), NO_THROW);
    } catch {
      /* new */
    }
    if (st && !st.isDirectory()) {
      fs.rmSync(F(path), { recursive: true, force: true });
      this.forget(rel, false);
      st = undefined;
    }
    if (!st) fs.mkdirSync(F(path), { mode: 0o700 });
    this.dirs.add(rel);
    if (h.mode & 0o2000) this.setgidDirs.add(rel);
    this.setMeta(path, h, true);
    this.queueXattrs(path, h);
    this.dirTimes.set(rel, { path, atime: h.mtime, mtime: h.mtime });
  }

  private async hardlink(path: string, h: TarHeader): Promise<void> {
    const target = safeEntryName(h.linkname);
    if (target === '') throw badArchive(`hardlink ${h.name} has no target`);
    const tparent = dirname(target) === '.' ? '' : dirname(target);
    if (this.checkParents(tparent)) {
      const tpath = join(this.dest, target);
      let st: fs.Stats | undefined;
      try {
        st = fs.lstatSync(F(tpath), NO_THROW);
      } catch {
        /* not in this layer */
      }
      if (st) {
        if (st.isDirectory()) throw badArchive(`hardlink ${h.name} points to a directory`);
        fs.linkSync(F(tpath), F(path));
        return;
      }
    }
    // target lives in a lower layer: materialise a copy (a lowerdir cannot link across dirs)
    for (const lower of await this.lowers()) {
      const lpath = join(lower, target);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(F(lpath));
      } catch {
        continue;
      }
      // never through a symlinked directory of the lower layer (it could point at the host)
      for (let i = target.indexOf('/'); i > 0; i = target.indexOf('/', i + 1)) {
        if (!fs.lstatSync(F(join(lower, target.slice(0, i)))).isDirectory()) throw unsafePath(`hardlink ${h.name} goes through a symlink in a lower layer`, { name: h.name });
      }
      if (!st.isFile()) break;
      fs.copyFileSync(F(lpath), F(path), fs.constants.COPYFILE_EXCL);
      if (proc().isRoot) fs.chownSync(F(path), st.uid, st.gid);
      fs.chmodSync(F(path), st.mode & 0o7777);
      fs.utimesSync(F(path), utimeSeconds(st.atime), utimeSeconds(st.mtime));
      return;
    }
    throw badArchive(`hardlink ${h.name} points to ${h.linkname}, which is not in this or a lower layer`);
  }

  private whiteout(parent: string, name: string): void {
    if (!this.checkParents(parent)) return;
    const dir = join(this.dest, parent);
    if (name === OPAQUE) {
      if (this.opts.mode === 'overlay') {
        this.deferred.xattr(parent, { path: dir, name: overlayOpaqueXattr(), value: Buffer.from('y') });
      } else {
        let children: string[] = [];
        try {
          children = fs.readdirSync(F(dir), { encoding: 'buffer' }).map((b) => decodeName(b));
        } catch {
          return;
        }
        for (const c of children) {
          const rel = parent ? `${parent}/${c}` : c;
          if (this.created.has(rel)) continue;
          fs.rmSync(F(join(dir, c)), { recursive: true, force: true });
          // it may be a directory we checked (dirs): a later entry could put a symlink in its place
          this.forget(rel, true);
        }
      }
      return;
    }
    const target = name.slice(WH.length);
    if (target === '' || target === '.' || target === '..' || target.includes('/')) throw unsafePath(`bad whiteout name ${name}`);
    const path = join(dir, target);
    const rel = parent ? `${parent}/${target}` : target;
    fs.rmSync(F(path), { recursive: true, force: true });
    this.forget(rel, true);
    if (this.opts.mode === 'overlay') {
      this.deferred.node(rel, { path, mode: fs.constants.S_IFCHR | 0o600, major: 0, minor: 0 });
    }
  }

  /** Remove whatever sits at `path` unless it is where we are about to write (a later duplicate wins). */
  private replace(rel: string, path: string): void {
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(F(path), NO_THROW);
    } catch {
      return;
    }
    if (!st) return;
    fs.rmSync(F(path), { recursive: true, force: true });
    this.forget(rel, st.isDirectory());
  }

  /** `rel` is gone: so are the directories we knew below it (they must be re-checked, never trusted). */
  private forget(rel: string, wasDir: boolean): void {
    // work queued for what was there belongs to what is gone (and must never follow what comes)
    this.deferred.drop(rel, wasDir);
    this.dirs.delete(rel);
    // nor are their mtimes ours to set at the end (utimes follows a symlink put there since)
    this.dirTimes.delete(rel);
    if (!wasDir) return;
    const prefix = `${rel}/`;
    for (const d of this.dirs) if (d.startsWith(prefix)) this.dirs.delete(d);
    for (const d of this.dirTimes.keys()) if (d.startsWith(prefix)) this.dirTimes.delete(d);
  }

  /**
   * True when every component of `rel` is a real directory; false when one is missing.
   * A symlink (or other non-directory) component is E_UNSAFE_PATH: we never write through one.
   */
  private checkParents(rel: string): boolean {
    if (this.dirs.has(rel)) return true;
    const parts = rel.split('/');
    let cur = '';
    for (const p of parts) {
      cur = cur ? `${cur}/${p}` : p;
      if (this.dirs.has(cur)) continue;
      let st: fs.Stats;
      try {
        st = fs.lstatSync(F(join(this.dest, cur)));
      } catch {
        return false;
      }
      if (st.isSymbolicLink()) throw unsafePath(`tar entry under ${cur}, which is a symlink: refusing to write through it`, { path: cur });
      if (!st.isDirectory()) throw unsafePath(`tar entry under ${cur}, which is not a directory`, { path: cur });
      this.dirs.add(cur);
    }
    return true;
  }

  private ensureDirSync(rel: string): string[] {
    const missing: string[] = [];
    if (this.dirs.has(rel)) return missing;
    const parts = rel.split('/');
    let cur = '';
    for (const p of parts) {
      cur = cur ? `${cur}/${p}` : p;
      if (this.dirs.has(cur)) continue;
      const path = join(this.dest, cur);
      let st: fs.Stats | undefined;
      try {
        st = fs.lstatSync(F(path), NO_THROW);
      } catch {
        /* missing */
      }
      if (st?.isSymbolicLink()) throw unsafePath(`tar entry under ${cur}, which is a symlink: refusing to write through it`, { path: cur });
      if (st && !st.isDirectory()) throw unsafePath(`tar entry under ${cur}, which is not a directory`, { path: cur });
      if (!st) {
        fs.mkdirSync(F(path), { mode: 0o755 });
        fs.chmodSync(F(path), 0o755);
        missing.push(cur);
      }
      this.dirs.add(cur);
    }
    return missing;
  }

  /** Parent dirs the tar did not list: create them, with a lower layer's attributes when it has that dir. */
  private async ensureDir(rel: string): Promise<void> {
    if (rel === '' || this.dirs.has(rel)) return;
    for (const m of this.ensureDirSync(rel)) await this.inheritDir(m);
  }

  private async inheritDir(rel: string): Promise<void> {
    const path = rel ? join(this.dest, rel) : this.dest;
    for (const lower of this.opts.mode === 'overlay' ? await this.lowers() : []) {
      let st: fs.Stats;
      try {
        // never through a symlinked directory of the lower layer (its attributes would be the host's)
        if (rel && !parentsAreDirs(lower, rel)) break;
        st = fs.lstatSync(F(rel ? join(lower, rel) : lower));
      } catch {
        continue;
      }
      if (!st.isDirectory()) break;
      if (proc().isRoot) fs.chownSync(F(path), st.uid, st.gid);
      fs.chmodSync(F(path), st.mode & 0o7777);
      if (st.mode & 0o2000) this.setgidDirs.add(rel);
      this.dirTimes.set(rel, { path, atime: st.atime, mtime: st.mtime });
      return;
    }
    if (rel === '') fs.chmodSync(F(path), 0o755);
  }

  private async lowers(): Promise<string[]> {
    this.lowerDirs ??= this.opts.lowers ? await this.opts.lowers() : [];
    return this.lowerDirs;
  }

  private setMeta(path: string, h: TarHeader, chmod: boolean): void {
    if (proc().isRoot) fs.lchownSync(F(path), h.uid, h.gid);
    if (chmod) fs.chmodSync(F(path), h.mode & 0o7777);
    if (!chmod) fs.lutimesSync(F(path), utimeSeconds(h.mtime), utimeSeconds(h.mtime));
    else if (h.type !== 'directory') fs.utimesSync(F(path), utimeSeconds(h.mtime), utimeSeconds(h.mtime));
  }

  private queueXattrs(path: string, h: TarHeader): void {
    if (h.xattrs.size === 0) return;
    const rel = path === this.dest || `${path}/` === this.prefix ? '' : path.slice(this.prefix.length);
    for (const [name, value] of h.xattrs) this.deferred.xattr(rel, { path, name, value });
  }
}
