/**
 * Content checksum of exactly the sources a COPY/ADD selects — the cache-key input for the step.
 * Per entry: path (as it lands under the destination, relative to the copied source), type,
 * permission + setuid/setgid/sticky bits, size, symlink target, device numbers, and sha256 of the
 * content. NOT in it: mtime/atime/ctime, uid/gid (context files are copied as 0:0), inode numbers,
 * hardlink structure. (`security.capability` xattrs are not read: Node has no getxattr.)
 * Format version `tsbuild-contenthash-v1`: bump it when anything above changes.
 */
import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { selectSource } from '../copy/select.js';
import { isHeredocMarker, isUrl } from '../copy/select.js';
import { byteCompare } from '../copy/wildcard.js';
import type { CopySource } from '../copy/types.js';
import { defaultIgnoreMatcher, type IgnoreMatcher } from './ignoreMatcher.js';
import type { FileIdentity, ChecksumCache, ChecksumOptions, ContentChecksum, ContextStats, SourceSelection } from './types.js';

const VERSION = 'tsbuild-contenthash-v1';

interface Entry { label: string; abs: string; st: Stats; sha?: string; link?: string; /** path in the source root, for explanations */ src: string }

export interface ChecksumDeps {
  cache?: ChecksumCache;
  limit?: ReturnType<typeof pLimit>;
  stats?: ContextStats;
}

function typeChar(st: Stats): string {
  if (st.isFile()) return 'f';
  if (st.isDirectory()) return 'd';
  if (st.isSymbolicLink()) return 'l';
  if (st.isCharacterDevice()) return 'c';
  if (st.isBlockDevice()) return 'b';
  if (st.isFIFO()) return 'p';
  return 's';
}

function relOf(root: string, abs: string): string {
  return abs === root ? '' : abs.slice(root.length + 1);
}

/** Checksum of a selection read from `source` (the context, or any CopySource). */
export async function checksumSources(source: CopySource, selection: SourceSelection, opts: ChecksumOptions & ChecksumDeps = {}): Promise<ContentChecksum> {
  const limit = opts.limit ?? pLimit(32);
  const exclude = selection.exclude?.length ? defaultIgnoreMatcher(selection.exclude) : undefined;
  const total = createHash('sha256');
  total.update(`${VERSION}\n`);
  let entries = 0;
  let bytesRead = 0;
  const detail: { path: string; digest: string }[] | undefined = opts.detail ? [] : undefined;

  for (const raw of selection.sources) {
    if (isUrl(raw) || isHeredocMarker(raw)) continue;
    opts.signal?.throwIfAborted();
    const matches = await selectSource(source, raw, { parents: selection.parents });
    total.update(`source ${raw}\n`);
    for (const m of matches) {
      const st = await lstat(m.abs);
      // labels are where entries land relative to the destination: a directory's contents, a file's name,
      // or the kept path with --parents
      const top = m.parentsPath ?? (st.isDirectory() ? '' : m.rel.split('/').pop() ?? '');
      const list: Entry[] = [{ label: top === '' ? '.' : top, abs: m.abs, st, src: m.rel || '.' }];
      if (st.isDirectory()) list.push(...(await collect(source, m.abs, top, '', exclude, { n: 0 }, m.rel)));
      let n = 0;
      const misses: Entry[] = [];
      for (const e of list) {
        if (e.st.isFile()) {
          const hit = opts.cache?.get(e.abs, identity(e.st));
          if (hit) { e.sha = hit; if (opts.stats) opts.stats.cacheHits++; } else misses.push(e);
        } else if (e.st.isSymbolicLink()) misses.push(e);
      }
      await Promise.all(misses.map(async (e) => {
        if (e.st.isFile()) {
          const small = e.st.size <= SMALL;
          if (small && ++n % 256 === 0) await new Promise<void>((r) => setImmediate(r));
          const r = small ? await hashFile(e.abs, e.st, opts.cache) : await limit(() => hashFile(e.abs, e.st, opts.cache));
          e.sha = r.sha;
          bytesRead += r.read;
          if (opts.stats) { if (r.miss) opts.stats.filesHashed++; else opts.stats.cacheHits++; }
        } else if (e.st.isSymbolicLink()) e.link = await readlink(e.abs);
      }));
      for (const e of list) {
        const line = `${e.label}\0${typeChar(e.st)}\0${(Number(e.st.mode) & 0o7777).toString(8)}\0${e.st.isFile() ? e.st.size : 0}\0${e.link ?? ''}\0${
          e.st.isCharacterDevice() || e.st.isBlockDevice() ? String(e.st.rdev) : ''}\0${e.sha ?? ''}\n`;
        total.update(line);
        entries++;
        if (detail) detail.push({ path: e.src, digest: createHash('sha256').update(line).digest('hex') });
      }
    }
  }
  if (opts.stats) opts.stats.bytesRead += bytesRead;
  const out: ContentChecksum = { digest: `sha256:${total.digest('hex')}`, entries, bytesRead };
  if (detail) out.detail = detail;
  return out;
}

/**
 * Entries below `dirAbs` in copy order, filtered by the ignore file and --exclude; labels prefixed.
 * Synchronous on purpose: for many small files a thread-pool round trip per lstat costs far more than
 * the syscall itself; the walk yields to the event loop every few hundred entries.
 */
async function collect(source: CopySource, dirAbs: string, label: string, relMatch: string, exclude: IgnoreMatcher | undefined, budget: { n: number }, srcBase: string): Promise<Entry[]> {
  const names = readdirSync(dirAbs).sort(byteCompare);
  const out: Entry[] = [];
  for (const n of names) {
    if (++budget.n % 512 === 0) await new Promise<void>((r) => setImmediate(r));
    const abs = join(dirAbs, n);
    const rr = relOf(source.root, abs);
    const rm = relMatch === '' ? n : `${relMatch}/${n}`;
    const ignored = source.isIgnored?.(rr) ?? false;
    const excluded = exclude?.matches(rm) ?? false;
    const st = lstatSync(abs);
    const hidden = ignored || excluded;
    if (hidden && !(st.isDirectory() && ((ignored && !(source.canSkipIgnoredDir?.(rr) ?? !source.ignoreHasExceptions)) || (excluded && !exclude!.canSkipDir(rm))))) continue;
    const l = label === '' ? n : `${label}/${n}`;
    const src = srcBase === '' ? rm : `${srcBase}/${rm}`;
    if (!st.isDirectory()) { out.push({ label: l, abs, st, src }); continue; }
    const below = await collect(source, abs, l, rm, exclude, budget, srcBase);
    if (hidden && below.length === 0) continue;
    out.push({ label: l, abs, st, src }, ...below);
  }
  return out;
}

const SMALL = 256 * 1024;

function identity(st: Stats): FileIdentity {
  return { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
}

async function hashFile(abs: string, st: Stats, cache?: ChecksumCache): Promise<{ sha: string; read: number; miss: boolean }> {
  const id = identity(st);
  const hit = cache?.get(abs, id);
  if (hit) return { sha: hit, read: 0, miss: false };
  if (st.size <= SMALL) {
    // small files: one synchronous read is far cheaper than a stream or a thread-pool hop
    const buf = readFileSync(abs);
    const sha = createHash('sha256').update(buf).digest('hex');
    cache?.set(abs, id, sha);
    return { sha, read: buf.length, miss: true };
  }
  const h = createHash('sha256');
  let read = 0;
  for await (const chunk of createReadStream(abs, { highWaterMark: 256 * 1024 })) {
    h.update(chunk as Buffer);
    read += (chunk as Buffer).length;
  }
  const sha = h.digest('hex');
  cache?.set(abs, id, sha);
  return { sha, read, miss: true };
}
