/**
 * Content checksum of exactly the sources a COPY/ADD selects — the cache-key input for the step.
 * Per entry: path (as it lands under the destination, relative to the copied source), type,
 * permission + setuid/setgid/sticky bits, size, symlink target, device numbers, and sha256 of the
 * content. NOT in it: mtime/atime/ctime, uid/gid (context files are copied as 0:0), inode numbers,
 * hardlink structure. (`security.capability` xattrs are not read: Node has no getxattr.)
 * Format version `tsbuild-contenthash-v1`: bump it when anything above changes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { selectSource } from '../copy/select.js';
import { isHeredocMarker, isUrl } from '../copy/select.js';
import { byteCompare } from '../copy/wildcard.js';
import type { CopySource } from '../copy/types.js';
import { defaultIgnoreMatcher, type IgnoreMatcher } from './ignoreMatcher.js';
import type { ChecksumCache, ChecksumOptions, ContentChecksum, ContextStats, SourceSelection } from './types.js';

const VERSION = 'tsbuild-contenthash-v1';

interface Entry { label: string; abs: string; st: BigIntStats; sha?: string; link?: string }

export interface ChecksumDeps {
  cache?: ChecksumCache;
  limit?: ReturnType<typeof pLimit>;
  stats?: ContextStats;
}

function typeChar(st: BigIntStats): string {
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
      const label = m.parentsPath ?? m.rel;
      const st = await lstat(m.abs, { bigint: true });
      const list: Entry[] = [{ label, abs: m.abs, st }];
      if (st.isDirectory()) list.push(...(await collect(source, m.abs, label, '', exclude, limit)));
      await Promise.all(list.map((e) => limit(async () => {
        if (e.st.isFile()) {
          const r = await hashFile(e.abs, e.st, opts.cache);
          e.sha = r.sha;
          bytesRead += r.read;
          if (opts.stats) { if (r.read > 0 || r.miss) opts.stats.filesHashed++; else opts.stats.cacheHits++; }
        } else if (e.st.isSymbolicLink()) e.link = await readlink(e.abs);
      })));
      for (const e of list) {
        const line = `${e.label}\0${typeChar(e.st)}\0${(Number(e.st.mode) & 0o7777).toString(8)}\0${e.st.isFile() ? e.st.size : 0}\0${e.link ?? ''}\0${
          e.st.isCharacterDevice() || e.st.isBlockDevice() ? String(e.st.rdev) : ''}\0${e.sha ?? ''}\n`;
        total.update(line);
        entries++;
        if (detail) detail.push({ path: `${raw}:${e.label}`, digest: createHash('sha256').update(line).digest('hex') });
      }
    }
  }
  if (opts.stats) opts.stats.bytesRead += bytesRead;
  const out: ContentChecksum = { digest: `sha256:${total.digest('hex')}`, entries, bytesRead };
  if (detail) out.detail = detail;
  return out;
}

/** Entries below `dirAbs` in copy order, filtered by the ignore file and --exclude; labels prefixed. */
async function collect(source: CopySource, dirAbs: string, label: string, relMatch: string, exclude: IgnoreMatcher | undefined, limit: ReturnType<typeof pLimit>): Promise<Entry[]> {
  const names = (await readdir(dirAbs)).sort(byteCompare);
  const kids = await Promise.all(names.map((n) => limit(async () => {
    const abs = join(dirAbs, n);
    const rr = relOf(source.root, abs);
    const rm = relMatch === '' ? n : `${relMatch}/${n}`;
    const ignored = source.isIgnored?.(rr) ?? false;
    const excluded = exclude?.matches(rm) ?? false;
    const st = await lstat(abs, { bigint: true });
    const hiddenDirMayHoldVisible = st.isDirectory() && ((ignored && !!source.ignoreHasExceptions) || (excluded && exclude!.hasExceptions));
    if ((ignored || excluded) && !hiddenDirMayHoldVisible) return undefined;
    return { n, abs, rm, st, hidden: ignored || excluded };
  })));
  const out: Entry[][] = await Promise.all(kids.map(async (k) => {
    if (!k) return [];
    const l = label === '' ? k.n : `${label}/${k.n}`;
    if (!k.st.isDirectory()) return [{ label: l, abs: k.abs, st: k.st }];
    const below = await collect(source, k.abs, l, k.rm, exclude, limit);
    if (k.hidden && below.length === 0) return [];
    return [{ label: l, abs: k.abs, st: k.st }, ...below];
  }));
  return out.flat();
}

async function hashFile(abs: string, st: BigIntStats, cache?: ChecksumCache): Promise<{ sha: string; read: number; miss: boolean }> {
  const id = { ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs };
  const hit = cache?.get(abs, id);
  if (hit) return { sha: hit, read: 0, miss: false };
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
