/**
 * COPY of one context directory into a destination that does not exist yet, written straight into
 * the overlay upperdir while the layer tar is produced from the same bytes: each file is read once,
 * written once (no overlayfs in the way) and its content goes to the tar, so gzip and the hashes
 * run while the copy is still going, and no diff walk or second read of the files follows.
 *
 * The result is the same upperdir and the same tar (byte for byte) as applyCopy + overlayDiff:
 *  - the destination and any missing parents are created through the mount, exactly as applyCopy
 *    does (0755 root, or existing parents copied up by overlayfs); the tar starts with those
 *    parents as overlayDiff sees them in the upperdir
 *  - below it, the copier's rules for a fresh tree: owner 0:0, the source's mode and times, the
 *    destination directory itself 0755 with the source directory's times
 *
 * A numeric --chown (no /etc/passwd to read) gives every entry, and the created destination and
 * parents, that owner, as the copier does.
 *
 * Anything outside that plain case answers undefined before a byte is written, and the caller runs
 * the general path: other instruction forms (ADD, --from, --chown by name, --chmod/--link/--exclude/
 * --parents, wildcards, several sources, heredocs), an existing destination, a source with an
 * ignored entry, hardlinks, devices/FIFOs, a file with (or not yet known to have no) file
 * capabilities, names that need a PAX header, a non-root process, no overlayfs.
 */
import { chmodSync, chownSync, closeSync, fchmodSync, fchownSync, futimesSync, lchownSync, lstatSync, lutimesSync, mkdirSync, openSync, readdirSync, readlinkSync, readSync, symlinkSync, utimesSync, writeSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { BuildError } from '../errors.js';
import { fitsUstar, fitsUstarMtime, ustarHeader, ustarHeaderInto, type UstarHeader } from '@tsbuild/layerstore/tar';
import { destinationOf } from './applyCopy.js';
import { CopyPlan, type CopyItem } from './copyPlan.js';
import { lstatOrUndefined, mkdirAll } from './fsops.js';
import { resolveInRootAsync } from '@tsbuild/layerstore';
import { resolveChown } from '../users/resolveChown.js';
import { isHeredocMarker, isUrl, selectSource } from './select.js';
import { byteCompare, containsWildcards } from './wildcard.js';
import type { CopyOp, CopySource } from './types.js';
import type { LayerTar } from '@tsbuild/layerstore';

/**
 * tar bytes produced per read() turn (the copy runs in slices this big between event-loop turns);
 * the layer writer's gzip block size, so each full slice is deflated in place (layerstore gzipBlocks.ts)
 */
const SLICE = 1024 * 1024;
/** slices kept for refilling: more than the pipeline holds at once (bigctx: 7 slices in all) */
const SPARE_SLICES = 8;
const END_OF_TAR = 1024;

export interface CopyToLayerOptions {
  source: CopySource;
  /** the step's overlay mount */
  mounted: { root: string; upperdir: string; overlay: boolean };
  workdir: string;
  /** --rewrite-timestamp: tar mtimes clamped to this (the upperdir keeps the real ones) */
  sourceDateEpoch?: number;
  signal?: AbortSignal;
}

/** The layer tar of the copy, or undefined when the general path must do it (nothing written then). */
export async function copyToLayer(op: CopyOp, opts: CopyToLayerOptions): Promise<LayerTar | undefined> {
  const { mounted, source } = opts;
  if (!mounted.overlay || process.getuid?.() !== 0 || process.getgid?.() !== 0) return undefined;
  if (op.kind !== 'COPY' || op.chmod || op.link || op.parents || op.exclude?.length || op.heredocs?.length) return undefined;
  // a numeric --chown needs no /etc/passwd: every entry (and the created destination) gets that owner
  if (op.chown !== undefined && !/^\d+(:\d+)?$/.test(op.chown)) return undefined;
  const owner = op.chown === undefined ? { uid: 0, gid: 0 } : await resolveChown(mounted.root, op.chown);
  if (op.sources.length !== 1) return undefined;
  const raw = op.sources[0]!;
  if (isUrl(raw) || isHeredocMarker(raw) || containsWildcards(raw)) return undefined;
  const matches = await selectSource(source, raw, {});
  if (matches.length !== 1 || !matches[0]!.stat.isDirectory()) return undefined;
  const m = matches[0]!;

  const dest = destinationOf(op.dest, opts.workdir);
  const dstHost = await resolveInRootAsync(mounted.root, dest.path);
  if (dstHost === mounted.root || (await lstatOrUndefined(dstHost))) return undefined;
  const destRel = relative(mounted.root, dstHost);
  if (destRel.startsWith('..') || !/^[\x01-\x7f]*$/.test(destRel)) return undefined;

  const items = plan(source, m.abs, m.stat, destRel);
  if (!items) return undefined;

  // the destination and its missing parents through the mount (overlayfs copies existing ones up)
  await mkdirAll(dstHost, { mode: 0o755, uid: owner.uid, gid: owner.gid });
  const upperDest = join(mounted.upperdir, destRel);
  if (!lstatSync(upperDest, { throwIfNoEntry: false })?.isDirectory()) return undefined;
  // the parents as overlayDiff would emit them (from the upperdir, where copy-ups landed)
  const parts = destRel.split('/');
  const head: Buffer[] = [];
  for (let i = 1; i < parts.length; i++) {
    const rel = parts.slice(0, i).join('/');
    const st = lstatSync(join(mounted.upperdir, rel));
    const h = header({ name: `${rel}/`, type: 'directory', mode: st.mode, uid: st.uid, gid: st.gid, size: 0, mtime: Math.floor(st.mtimeMs / 1000) }, opts.sourceDateEpoch);
    if (!h) return undefined;
    head.push(h);
  }
  const tar = new LayerCopy(items, mounted.upperdir, head, owner, opts);
  return { tar, releaseChunk: (chunk) => tar.releaseChunk(chunk) };
}

/**
 * Walk the source (sorted, as the copier and overlayDiff order entries) into the entry list; null
 * when the tree has anything the plain case does not cover.
 */
function plan(source: CopySource, srcDir: string, srcStat: Stats, destRel: string): CopyPlan | null {
  const ignoring = source.isIgnored !== undefined && (source as { ignorePatterns?: string[] }).ignorePatterns?.length !== 0;
  const root = source.root;
  const items = new CopyPlan();
  if (!fitsUstarMtime(Math.floor(srcStat.mtimeMs / 1000))) return null;
  // the destination dir itself: 0755 (created by mkdirAll), the source dir's times
  const top = items.addDir({ src: srcDir, path: destRel });
  items.add('dir', top, '', 0o755, 0, srcStat.atimeMs, srcStat.mtimeMs);
  const walk = (dir: string, rel: string, ref: number): boolean => {
    const names = readdirSync(dir).sort(byteCompare);
    // a non-UTF-8 name (U+FFFD in Node's reading): the general path copies it as bytes
    if (names.some((n) => n.includes('\ufffd'))) return false;
    for (const n of names) {
      const abs = `${dir}/${n}`;
      const path = `${rel}/${n}`;
      if (!fitsUstar(path + '/')) return false;
      if (ignoring && source.isIgnored!(abs.slice(root.length + 1))) return false;
      const st = lstatSync(abs);
      if (!fitsUstarMtime(Math.floor(st.mtimeMs / 1000))) return false; // needs a PAX mtime record
      const mode = st.mode & 0o7777;
      if (st.isDirectory()) {
        const sub = items.addDir({ src: abs, path });
        items.add('dir', sub, '', mode, 0, st.atimeMs, st.mtimeMs);
        if (!walk(abs, path, sub)) return false;
        items.add('end', sub, '', mode, 0, st.atimeMs, st.mtimeMs);
      } else if (st.isFile()) {
        if (st.nlink > 1) return false;
        const cap = source.knownCapability?.(abs, st);
        if (cap !== null) return false; // has one, or unknown: the general path reads/writes them
        items.add('file', ref, n, mode, st.size, st.atimeMs, st.mtimeMs);
      } else if (st.isSymbolicLink()) {
        const link = readlinkSync(abs);
        if (!fitsUstar(path, link)) return false;
        items.add('symlink', ref, n, mode, 0, st.atimeMs, st.mtimeMs, link);
      } else {
        return false; // FIFOs, devices and sockets (copied as empty files): the general path
      }
    }
    return true;
  };
  if (!walk(srcDir, destRel, top)) return null;
  items.add('end', top, '', 0o755, 0, srcStat.atimeMs, srcStat.mtimeMs);
  return items;
}

function header(h: UstarHeader, epoch: number | undefined): Buffer | null {
  return ustarHeader(epoch === undefined ? h : { ...h, mtime: Math.min(h.mtime, epoch) });
}

/**
 * The copy itself, a slice per read(): synchronous file calls on this thread, gzip on the pool.
 * Headers and file contents are read straight into the slice being filled (no per-file buffers),
 * and the slices writeLayer hands back are filled again: a big COPY runs through a few 1 MiB
 * buffers instead of leaving one dead buffer per MiB to V8's GC, which glibc then kept as free but
 * resident arena memory.
 */
class LayerCopy extends Readable {
  private next = 0;
  private readonly spare: Buffer[] = [];
  private slice: Buffer;
  private used = 0;
  private pushed = false;
  /** tar bytes not yet in a slice: a small COPY gets a slice its size (a fresh 1 MiB slice costs its page faults) */
  private unsliced: number;

  constructor(
    private readonly items: CopyPlan,
    private readonly upper: string,
    private readonly head: Buffer[],
    private readonly owner: { uid: number; gid: number },
    private readonly opts: CopyToLayerOptions,
  ) {
    super({ highWaterMark: SLICE });
    this.unsliced = head.reduce((n, h) => n + h.length, 0) + items.tarBytes + END_OF_TAR;
    this.slice = this.newSlice();
  }

  private newSlice(): Buffer {
    const size = Math.max(512, Math.min(SLICE, this.unsliced));
    this.unsliced -= size;
    return size === SLICE ? (this.spare.pop() ?? Buffer.allocUnsafe(SLICE)) : Buffer.allocUnsafe(size);
  }

  override _read(): void {
    try {
      this.opts.signal?.throwIfAborted();
      this.pushed = false;
      for (const h of this.head.splice(0)) this.addBytes(h);
      while (this.next < this.items.length && !this.pushed) this.step(this.items.item(this.next), this.next++);
      if (this.next === this.items.length) {
        this.zeros(END_OF_TAR);
        this.flush();
        this.push(null);
      }
    } catch (err) {
      this.destroy(wrap(err, this.next > 0 ? this.items.item(this.next - 1) : undefined));
    }
  }

  private step(it: CopyItem, i: number): void {
    const target = join(this.upper, it.path);
    const mtime = Math.floor(it.mtimeMs / 1000);
    const { uid, gid } = this.owner;
    switch (it.op) {
      case 'dir': {
        if (i !== 0) {
          mkdirSync(target, { mode: 0o700 });
          if (uid !== 0 || gid !== 0) chownSync(target, uid, gid);
        }
        this.addHeader({ name: `${it.path}/`, type: 'directory', mode: it.mode, uid, gid, size: 0, mtime });
        return;
      }
      case 'end': {
        // after its entries (they change the directory's mtime): mode, then times, as the copier does
        chmodSync(target, it.mode);
        utimesSync(target, it.atimeMs / 1000, it.mtimeMs / 1000);
        return;
      }
      case 'symlink': {
        const link = it.link!;
        symlinkSync(link, target);
        if (uid !== 0 || gid !== 0) lchownSync(target, uid, gid);
        lutimesSync(target, it.atimeMs / 1000, it.mtimeMs / 1000);
        this.addHeader({ name: it.path, type: 'symlink', mode: 0o777, uid, gid, size: 0, mtime, linkname: link });
        return;
      }
      case 'file': {
        this.addHeader({ name: it.path, type: 'file', mode: it.mode, uid, gid, size: it.size, mtime });
        this.copyFile(it, target);
        return;
      }
    }
  }

  /** read the source once: the same bytes go to the target file and into the tar */
  private copyFile(it: CopyItem, target: string): void {
    const fdIn = openSync(it.src, 'r');
    let fdOut: number | undefined;
    try {
      fdOut = openSync(target, 'wx', 0o600);
      let left = it.size;
      while (left > 0) {
        if (this.used === this.slice.length) this.flush();
        const k = Math.min(left, this.slice.length - this.used);
        let got = 0;
        while (got < k) {
          const n = readSync(fdIn, this.slice, this.used + got, k - got, null);
          if (n === 0) throw new BuildError('E_COPY', `${it.src} changed size while it was copied`, { data: { source: it.src } });
          got += n;
        }
        let put = 0;
        while (put < k) put += writeSync(fdOut, this.slice, this.used + put, k - put);
        this.used += k;
        left -= k;
      }
      const pad = it.size & 511;
      if (pad) this.zeros(512 - pad);
      // owner before mode: chown clears the setuid/setgid bits
      if (this.owner.uid !== 0 || this.owner.gid !== 0) fchownSync(fdOut, this.owner.uid, this.owner.gid);
      fchmodSync(fdOut, it.mode);
      futimesSync(fdOut, it.atimeMs / 1000, it.mtimeMs / 1000);
    } finally {
      closeSync(fdIn);
      if (fdOut !== undefined) closeSync(fdOut);
    }
  }

  private addHeader(h: UstarHeader): void {
    if (this.slice.length - this.used < 512) this.flush();
    const hh = this.opts.sourceDateEpoch === undefined ? h : { ...h, mtime: Math.min(h.mtime, this.opts.sourceDateEpoch) };
    // plan() only admits entries that fit a ustar header
    if (!ustarHeaderInto(hh, this.slice, this.used)) throw new BuildError('E_COPY', `no ustar header for ${h.name}`, { data: { path: h.name } });
    this.used += 512;
  }

  private addBytes(b: Buffer): void {
    let at = 0;
    while (at < b.length) {
      if (this.used === this.slice.length) this.flush();
      const k = Math.min(b.length - at, this.slice.length - this.used);
      b.copy(this.slice, this.used, at, at + k);
      this.used += k;
      at += k;
    }
  }

  private zeros(n: number): void {
    while (n > 0) {
      if (this.used === this.slice.length) this.flush();
      const k = Math.min(n, this.slice.length - this.used);
      this.slice.fill(0, this.used, this.used + k);
      this.used += k;
      n -= k;
    }
  }

  /** hand the filled part on (a full slice as itself); the next bytes go into a spare or fresh slice */
  private flush(): void {
    if (this.used === 0) return;
    this.push(this.used === SLICE ? this.slice : this.slice.subarray(0, this.used));
    this.slice = this.newSlice();
    this.used = 0;
    this.pushed = true;
  }

  /** writeLayer is done with a chunk this stream pushed: keep whole slices for refilling */
  releaseChunk(chunk: Buffer): void {
    if (chunk.length === SLICE && chunk.byteOffset === 0 && chunk.buffer.byteLength === SLICE && this.spare.length < SPARE_SLICES) this.spare.push(chunk);
  }
}

function wrap(err: unknown, it: CopyItem | undefined): Error {
  if (err instanceof BuildError || (err as Error)?.name === 'AbortError') return err as Error;
  const e = err as NodeJS.ErrnoException;
  return new BuildError('E_COPY', `COPY ${it?.src ?? ''}: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' ').trim(), { cause: err, data: { source: it?.src } });
}
