/**
 * ADD of a local tar archive: detected by CONTENT (gzip, bzip2, xz, zstd magic, else plain; the
 * first 512 bytes must be a valid tar header), extracted into the destination directory the way
 * BuildKit's unpack (solver/llbsolver/file/unpack.go → chrootarchive.Untar, chrooted into the
 * destination) does: every entry stays inside the destination — a name or hard-link target climbing
 * out through `..` is clamped to it as Join("/", name) is inside the chroot ("../up" → dest/up),
 * symlinks are created with their target verbatim (even "/../../etc"), symlinks met on the way are
 * resolved inside the destination,
 * owners/modes/mtimes (PAX sub-seconds included) and SCHILY.xattr.* from the archive (or --chown),
 * existing directories are merged. Names are bytes: a non-UTF-8 name is created as those bytes.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { createReadStream } from 'node:fs';
import { chmod, lchown, link, lutimes, mkdir, open, rm, symlink, type FileHandle } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { constants as zlibConstants, createGunzip, inflateRawSync } from 'node:zlib';
import { cleanComponents, detectCompression, fsName, resolveInRootAsync, type ArchiveCompression } from '@tsbuild/layerstore';
import { isTarHeader, parseTar, type TarHeader, type TarSink } from '@tsbuild/layerstore/tar';
import { BuildError } from '../errors.js';
import { mkdirAll, lstatOrUndefined, type DirMeta } from './fsops.js';
import { sys, SyscallError } from '@tsbuild/sys';

const run = promisify(execFile);

export type Compression = ArchiveCompression;
export { detectCompression, isTarHeader };

/** Decompressed stream of a file, by content (bzip2/xz/zstd through their CLIs). */
function openDecompressed(file: string, kind: Compression): { stream: Readable; done: Promise<void> } {
  if (kind === 'none') return { stream: createReadStream(file), done: Promise.resolve() };
  if (kind === 'gzip') {
    const src = createReadStream(file);
    const gz = createGunzip();
    src.on('error', (e) => gz.destroy(e));
    return { stream: src.pipe(gz), done: Promise.resolve() };
  }
  const cmd = kind;
  const child = spawn(cmd, ['-dc', '--', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stopped = false;
  child.stderr.on('data', (d) => { stderr += String(d); });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (err) => reject(new BuildError('E_COPY', `cannot decompress ${kind} archive: ${cmd} is not available (${err.message})`, { cause: err })));
    child.on('close', (code, signal) => {
      if (stopped || signal === 'SIGPIPE') return resolve();
      if (code !== 0) return reject(new BuildError('E_COPY', `error processing tar file: ${cmd} -dc failed (${code ?? signal}): ${stderr.trim()}`));
      // bzip2 ignores junk after its last stream (exit 0, a warning); Go's multistream reader, what
      // BuildKit decompresses with, fails on it ("bzip2 data invalid: bad magic value in continuation file")
      if (kind === 'bzip2' && stderr.includes('trailing garbage')) return reject(new BuildError('E_COPY', `error processing tar file: bzip2 data invalid: trailing garbage after the compressed data`));
      resolve();
    });
  });
  done.catch(() => { /* observed by the caller */ });
  const out = child.stdout as Readable;
  let ended = false;
  out.on('end', () => { ended = true; });
  const origDestroy = out.destroy.bind(out);
  // a reader that stops early kills the decompressor (its exit is then no error); one that read to
  // the end (the async iterator destroys the stream when done) waits for its real exit status
  out.destroy = ((err?: Error) => { if (!ended) { stopped = true; child.kill(); } return origDestroy(err); }) as typeof out.destroy;
  return { stream: out, done };
}

/** True when `file` is a (possibly compressed) tar archive, judged by content. */
export async function isArchive(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  let head: Buffer;
  try {
    const b = Buffer.alloc(512);
    const { bytesRead } = await fh.read(b, 0, 512, 0);
    head = b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const kind = detectCompression(head);
  if (kind === 'none') return isTarHeader(head);
  if (kind === 'gzip') {
    const first = await firstGzipBytes(file, 512);
    if (first.length >= 512) return isTarHeader(first);
    // a first member shorter than a block: the stream below reads on into the next members
  }
  // decompress just enough for one header block. Like BuildKit's isArchivePath (Go's tar Next() on
  // a lazy decompressor), only those bytes count: corrupt data further on (junk after the gzip
  // member) makes it an archive whose extraction fails, not a file copied as is
  const { stream, done } = openDecompressed(file, kind);
  done.catch(() => {});
  const chunks: Buffer[] = [];
  let n = 0;
  await new Promise<void>((resolve) => {
    stream.on('data', (c: Buffer) => {
      chunks.push(c);
      n += c.length;
      if (n >= 512) resolve();
    });
    stream.on('error', () => resolve());
    stream.on('end', () => resolve());
  });
  stream.destroy();
  return isTarHeader(Buffer.concat(chunks));
}

/**
 * The first `n` bytes of a gzip file's first member, read from a prefix of the file: a raw inflate
 * of that member alone, so data after it (junk where Go's lazy reader fails only later, during the
 * extraction) cannot hide its start — Node's gunzip stream errors before emitting anything.
 */
async function firstGzipBytes(file: string, n: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  const buf = Buffer.alloc(256 * 1024);
  let len: number;
  try { ({ bytesRead: len } = await fh.read(buf, 0, buf.length, 0)); } finally { await fh.close(); }
  const b = buf.subarray(0, len);
  if (b.length < 10 || b[2] !== 8) return Buffer.alloc(0);
  const flg = b[3]!;
  let off = 10;
  if (flg & 4) off = off + 2 <= b.length ? off + 2 + b.readUInt16LE(off) : -1; // FEXTRA
  if (flg & 8) off = b.indexOf(0, off) + 1; // FNAME
  if (flg & 16) off = b.indexOf(0, off) + 1; // FCOMMENT
  if (flg & 2) off += 2; // FHCRC
  if (off <= 0 || off > b.length) return Buffer.alloc(0);
  // a small input prefix first (deflate expands at most ~1032:1, so the output stays bounded)
  for (const take of [4096, b.length - off]) {
    try {
      const out = inflateRawSync(b.subarray(off, off + take), { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: 1 << 26 });
      if (out.length >= n || take >= b.length - off) return out.subarray(0, n);
    } catch {
      return Buffer.alloc(0); // not deflate data (or absurdly expanding): not an archive
    }
  }
  return Buffer.alloc(0);
}

export interface ExtractOptions {
  /** owner for every entry (--chown); default: the archive's uid/gid */
  chown?: { uid: number; gid: number };
  /** metadata of directories created for the destination itself */
  destDirMeta: DirMeta;
  signal?: AbortSignal;
}

/** Extract `file` into `destDir` (host path, created if missing). Returns entries written. */
export async function extractArchive(file: string, destDir: string, opts: ExtractOptions): Promise<{ entries: number; bytes: number }> {
  await mkdirAll(destDir, opts.destDirMeta);
  const fh = await open(file, 'r');
  const head = Buffer.alloc(16);
  try { await fh.read(head, 0, 16, 0); } finally { await fh.close(); }
  const { stream, done } = openDecompressed(file, detectCompression(head));
  let entries = 0;
  let bytes = 0;
  const dirTimes: { p: string | Buffer; mtime: number | Date }[] = [];
  /** the file being written and the metadata it gets once its body is in */
  let cur: { out: FileHandle; target: string; h: TarHeader } | undefined;

  async function entry(h: TarHeader): Promise<void> {
    opts.signal?.throwIfAborted();
    const name = h.name;
    // clamped, not refused: inside BuildKit's chroot "../x" is "/x" of the destination
    const comps = cleanComponents(name);
    if (comps.length === 0) return;
    if (h.type === 'other' || h.type === 'contiguous-file') {
      // Docker's createTarFile knows only directories, files, links, devices and FIFOs: GNU sparse
      // 'S', contiguous '7', volume labels… fail the step, before anything of the entry is written
      throw new BuildError('E_COPY', `error processing tar file: unhandled tar header type ${(h.typeflag ?? '?').charCodeAt(0)}`, { data: { entry: name } });
    }
    const parentRel = comps.slice(0, -1).join('/');
    const parent = await resolveInRootAsync(destDir, parentRel);
    // Docker's Untar makes a missing parent only when nothing is there (Lstat): a symlink, even one to a
    // missing directory, is used as is, and an entry below a dangling one fails like open(2) does
    if (parentRel && !(await lstatOrUndefined(parent)) && (await lstatOrUndefined(await resolveInRootAsync(destDir, parentRel, { followLast: false })))?.isSymbolicLink()) {
      throw new BuildError('E_COPY', `error processing tar file: open ${posix.join('/', ...comps)}: no such file or directory`, { data: { entry: name } });
    }
    await mkdirAll(parent, { mode: 0o755, uid: 0, gid: 0 });
    const target = join(parent, comps[comps.length - 1]!);
    const p = fsName(target);
    const existing = await lstatOrUndefined(target);
    if (existing && !(existing.isDirectory() && h.type === 'directory')) await rm(p, { recursive: true, force: true });
    switch (h.type) {
      case 'directory':
        if (!existing || !existing.isDirectory()) await mkdir(p, { mode: 0o700 });
        await finish(target, h);
        return;
      case 'file':
        cur = { out: await open(p, 'wx', 0o600), target, h };
        return;
      case 'symlink':
        // the target is only text: BuildKit creates it as written, and every later write through it is
        // resolved inside the destination (resolveInRootAsync), so an escaping target is harmless
        await symlink(fsName(h.linkname), p);
        break;
      case 'link': {
        const ln = h.linkname; // clamped inside the destination like the entry names
        const src = await resolveInRootAsync(destDir, ln, { followLast: false });
        await link(fsName(src), p);
        // a hard link to a symlink is that symlink's inode: Docker's createTarFile neither chmods nor
        // Chtimes it (both would follow the link and change its target, e.g. a directory's mode)
        if ((await lstatOrUndefined(src))?.isSymbolicLink()) {
          await lchown(p, opts.chown?.uid ?? h.uid, opts.chown?.gid ?? h.gid);
          entries++;
          return;
        }
        break;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        const kind = h.type === 'fifo' ? ['p'] : [h.type === 'character-device' ? 'c' : 'b', String(h.devmajor), String(h.devminor)];
        await run('mknod', ['-m', (h.mode & 0o7777).toString(8), target, ...kind]);
        break;
      }
      default:
        return;
    }
    await finish(target, h);
  }

  /**
   * Owner, xattrs, mode, times: in Docker's createTarFile order (a chown clears security.capability,
   * so the xattrs come after it). Times: the PAX mtime to the sub-second as recorded; one before
   * 1970 becomes the epoch as Docker's Chtimes makes it (symlinks keep theirs: LUtimesNano).
   */
  async function finish(target: string, h: TarHeader): Promise<void> {
    const p = fsName(target);
    await lchown(p, opts.chown?.uid ?? h.uid, opts.chown?.gid ?? h.gid);
    if (h.xattrs.size) await setXattrs(target, h.xattrs);
    if (h.type !== 'symlink') await chmod(p, h.mode & 0o7777);
    let mtime: number | Date = h.paxMtime !== undefined && Number.isFinite(Number(h.paxMtime)) ? Number(h.paxMtime) : h.mtime.getTime() / 1000;
    if (!(mtime >= 0)) mtime = h.type === 'symlink' ? h.mtime : 0; // (Node takes a negative number as "now", a Date as it is)
    if (h.type === 'directory') dirTimes.push({ p, mtime });
    else await lutimes(p, mtime, mtime);
    entries++;
  }

  const sink: TarSink = {
    entry,
    data: (chunk) => {
      if (!cur) return;
      bytes += chunk.length;
      return cur.out.write(chunk).then(() => undefined);
    },
    end: async () => {
      if (!cur) return;
      const c = cur;
      cur = undefined;
      await c.out.close();
      await finish(c.target, c.h);
    },
  };
  try {
    await parseTar(stream as AsyncIterable<Buffer>, sink);
  } catch (err) {
    stream.destroy();
    // a broken archive (E_BAD_ARCHIVE) or compressed stream (zlib: "incorrect header check" for junk
    // after the gzip member, where Go's reader says "gzip: invalid header") fails the step
    if (err instanceof BuildError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'E_BAD_ARCHIVE' || (typeof code === 'string' && code.startsWith('Z_'))) throw new BuildError('E_COPY', `error processing tar file: ${(err as Error).message}`, { cause: err });
    throw err;
  } finally {
    await cur?.out.close().catch(() => undefined);
  }
  await done;
  for (const d of dirTimes.reverse()) await lutimes(d.p, d.mtime, d.mtime);
  return { entries, bytes };
}

/**
 * SCHILY.xattr.* of an archive entry, set after its owner: best effort as BuildKit unpacks ADD's
 * archives (BestEffortXattrs): a file system or user namespace that refuses one (ENOTSUP, EPERM)
 * skips it; any other failure fails the copy.
 */
async function setXattrs(target: string, xattrs: Map<string, Buffer>): Promise<void> {
  const calls = sys();
  if (!calls) throw new BuildError('E_COPY', `error processing tar file: cannot set the xattrs of ${target}: neither the syscall addon nor perl is available`);
  for (const [name, value] of xattrs) {
    try {
      await calls.setxattrs([{ path: fsName(target), name, value }]);
    } catch (err) {
      const code = (err as SyscallError).code;
      if (code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EPERM') continue;
      throw new BuildError('E_COPY', `error processing tar file: ${(err as Error).message}`, { cause: err });
    }
  }
}
