/**
 * ADD of a local tar archive: detected by CONTENT (gzip, bzip2, xz, zstd magic, else plain; the
 * first 512 bytes must be a valid tar header), extracted into the destination directory the way
 * Docker's chrootarchive.Untar does: every entry stays inside the destination (an entry leaving it
 * through `..` is E_UNSAFE_PATH), symlinks met on the way are resolved inside the destination,
 * owners/modes/mtimes from the archive (or --chown), existing directories are merged.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { createReadStream } from 'node:fs';
import { chmod, lchown, link, lutimes, mkdir, open, rm, symlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar, { type Header } from 'tar-stream';
import { detectCompression, type ArchiveCompression } from '@tsbuild/layerstore';
import { BuildError } from '../errors.js';
import { mkdirAll, lstatOrUndefined, type DirMeta } from './fsops.js';
import { cleanComponents, resolveInRootAsync } from '@tsbuild/layerstore';

type Body = AsyncIterable<unknown> & { resume(): unknown };

const run = promisify(execFile);

export type Compression = ArchiveCompression;
export { detectCompression };

/** A valid tar header block (checksum over the block with the checksum field as spaces). */
export function isTarHeader(block: Buffer): boolean {
  if (block.length < 512) return false;
  const field = block.subarray(148, 156).toString('latin1').replace(/\0.*$/s, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  const want = parseInt(field, 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum === want;
}

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
    child.on('close', (code, signal) => (code === 0 || stopped || signal === 'SIGPIPE' ? resolve() : reject(new BuildError('E_COPY', `${cmd} -dc failed (${code ?? signal}): ${stderr.trim()}`))));
  });
  done.catch(() => { /* observed by the caller */ });
  const out = child.stdout as Readable;
  const origDestroy = out.destroy.bind(out);
  out.destroy = ((err?: Error) => { stopped = true; child.kill(); return origDestroy(err); }) as typeof out.destroy;
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
  // decompress just enough for one header block
  const { stream, done } = openDecompressed(file, kind);
  done.catch(() => {});
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of stream) {
      chunks.push(c as Buffer);
      n += (c as Buffer).length;
      if (n >= 512) break;
    }
  } catch {
    return false;
  } finally {
    stream.destroy();
  }
  return isTarHeader(Buffer.concat(chunks));
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
  const ex = tar.extract();
  let entries = 0;
  let bytes = 0;
  const dirTimes: { p: string; mtime: Date }[] = [];

  ex.on('entry', (hdr, body, next) => {
    handle(hdr, body).then(() => next(), (err) => { body.resume(); ex.destroy(err as Error); });
  });

  async function handle(hdr: Header, body: Body): Promise<void> {
    opts.signal?.throwIfAborted();
    const name = hdr.name;
    if (escapes(name)) throw unsafe(name);
    const comps = cleanComponents(name);
    if (comps.length === 0) { body.resume(); return; }
    const parentRel = comps.slice(0, -1).join('/');
    const parent = await resolveInRootAsync(destDir, parentRel);
    // Docker's Untar makes a missing parent only when nothing is there (Lstat): a symlink, even one to a
    // missing directory, is used as is, and an entry below a dangling one fails like open(2) does
    if (parentRel && !(await lstatOrUndefined(parent)) && (await lstatOrUndefined(await resolveInRootAsync(destDir, parentRel, { followLast: false })))?.isSymbolicLink()) {
      throw new BuildError('E_COPY', `error processing tar file: open ${posix.join('/', ...comps)}: no such file or directory`, { data: { entry: name } });
    }
    await mkdirAll(parent, { mode: 0o755, uid: 0, gid: 0 });
    const target = join(parent, comps[comps.length - 1]!);
    // PAX uid/gid/mtime records: tar-stream applies path/linkpath/size only
    const pax = (hdr as { pax?: Record<string, string> }).pax;
    const paxNum = (k: string): number | undefined => (pax?.[k] && Number.isFinite(Number(pax[k])) ? Number(pax[k]) : undefined);
    const uid = opts.chown?.uid ?? paxNum('uid') ?? hdr.uid ?? 0;
    const gid = opts.chown?.gid ?? paxNum('gid') ?? hdr.gid ?? 0;
    const mode = (hdr.mode ?? 0o644) & 0o7777;
    const paxMtime = paxNum('mtime');
    let mtime = paxMtime !== undefined ? new Date(paxMtime * 1000) : hdr.mtime ?? new Date(0);
    // Docker's Untar sets times through system.Chtimes, which turns one before 1970 into the epoch
    // (symlinks keep theirs: LUtimesNano)
    if (hdr.type !== 'symlink' && !(mtime.getTime() >= 0)) mtime = new Date(0);
    const existing = await lstatOrUndefined(target);
    if (existing && !(existing.isDirectory() && hdr.type === 'directory')) await rm(target, { recursive: true, force: true });
    switch (hdr.type) {
      case 'directory':
        if (!existing || !existing.isDirectory()) await mkdir(target, { mode: 0o700 });
        await lchown(target, uid, gid);
        await chmod(target, mode);
        dirTimes.push({ p: target, mtime });
        body.resume();
        entries++;
        return;
      case 'file':
      case 'contiguous-file': {
        const out = await open(target, 'wx', 0o600);
        try {
          for await (const chunk of body) await out.write(chunk as Uint8Array);
        } finally {
          await out.close();
        }
        bytes += hdr.size ?? 0;
        break;
      }
      case 'symlink':
        body.resume();
        if (escapes(posix.join(posix.dirname(name.replace(/^\/+/, '')), hdr.linkname ?? ''))) throw unsafe(`${name} -> ${hdr.linkname}`);
        await symlink(hdr.linkname ?? '', target);
        break;
      case 'link': {
        body.resume();
        const ln = hdr.linkname ?? '';
        if (escapes(ln)) throw unsafe(`${name} => ${ln}`);
        await link(await resolveInRootAsync(destDir, ln, { followLast: false }), target);
        break;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        body.resume();
        const kind = hdr.type === 'fifo' ? ['p'] : [hdr.type === 'character-device' ? 'c' : 'b', String(hdr.devmajor ?? 0), String(hdr.devminor ?? 0)];
        await run('mknod', ['-m', mode.toString(8), target, ...kind]);
        break;
      }
      default:
        body.resume();
        return;
    }
    await lchown(target, uid, gid);
    if (hdr.type !== 'symlink') await chmod(target, mode);
    await lutimes(target, mtime, mtime);
    entries++;
  }

  const finished = new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
    stream.on('error', reject);
  });
  stream.pipe(ex);
  await finished;
  await done;
  for (const d of dirTimes.reverse()) await lutimes(d.p, d.mtime, d.mtime);
  return { entries, bytes };
}

/** `name` leaves the extraction root lexically (Docker: "… is outside of …"). */
function escapes(name: string): boolean {
  let depth = 0;
  for (const c of name.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') { if (--depth < 0) return true; } else depth++;
  }
  return false;
}

function unsafe(name: string): BuildError {
  return new BuildError('E_UNSAFE_PATH', `archive entry "${name}" is outside of the destination directory; refusing to extract`, { data: { entry: name } });
}
