/**
 * Content checksum of exactly the sources a COPY/ADD selects — the cache-key input for the step.
 * Per entry: path (as it lands under the destination, relative to the copied source), type,
 * permission + setuid/setgid/sticky bits, size, symlink target, device numbers, and sha256 of the
 * content. NOT in it: mtime/atime/ctime, uid/gid (context files are copied as 0:0), inode numbers,
 * hardlink structure. A regular file's `security.capability` xattr (what BuildKit keeps) is appended
 * as one more field only when present, so checksums of capability-free selections are unchanged.
 * Format version `tsbuild-contenthash-v1`: bump it when anything above changes.
 *
 * Capabilities are read in one batched helper call (diff/xattrs.ts) for the cache misses only; the
 * cache stores them with the hash (setcap changes ctime, so a hit is still exact).
 *
 * Speed: the warm path (every file hash in the ChecksumCache) is one synchronous lstat per entry —
 * a thread-pool round trip per lstat costs more than the syscall — with a yield every 1024 entries;
 * unchanged directories list from the cache (no readdir), and an unchanged walk as a whole answers
 * from its selection memo (no per-file lookups, no text to hash). From their second build on, big
 * selections (FAST_MIN_ENTRIES) are first fingerprinted by a perl walker (@tsbuild/sys perl/walk.ts), several times
 * cheaper than Node's lstat: on a hit nothing is walked in Node at all.
 * Misses: read synchronously through one reused 1 MB buffer (a yield every 256 files and before
 * each large one), their capabilities in one batched helper call.
 */
import { decodeName, encodeName, fsName, hasEscapes } from '@tsbuild/layerstore';
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import type { Dirent, Stats } from 'node:fs';

import { availableParallelism } from 'node:os';
import { readCapabilities } from '../copy/capabilities.js';
import { isHeredocMarker, isUrl, selectSource } from '../copy/select.js';
import { FAST_SETTLED_MS, FAST_WALK_VERSION, fastWalk } from '@tsbuild/sys';
import { byteCompare } from '../copy/wildcard.js';
import type { CopySource, SourceMatch } from '../copy/types.js';
import { defaultIgnoreMatcher, type IgnoreMatcher } from './ignoreMatcher.js';
import type { ChecksumCache, ChecksumOptions, ContentChecksum, ContextStats, DirIdentity, FileIdentity, SourceSelection } from './types.js';
import { fileKind, type FileKind } from '../io/fileKind.js';

const VERSION = 'tsbuild-contenthash-v1';
const SMALL = 256 * 1024;
const READ_CHUNK = 1024 * 1024;
/**
 * Selections at least this big are checked by the perl walker (@tsbuild/sys perl/walk.ts) from their second
 * build on; smaller ones cost less to walk in Node than to start a process.
 */
const FAST_MIN_ENTRIES = 2048;

/** One entry, reduced to what the checksum needs (Stats objects are dropped right away). */
interface Rec {
  label: string;
  abs: string;
  /** path in the source root, for explanations */
  src: string;
  type: string;
  mode: number;
  size: number;
  /** identity for the ChecksumCache (a Rec is a FileIdentity: ino, size = st.size, mtimeMs, ctimeMs) */
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
  rdev: number;
  sha?: string;
  /** security.capability, hex */
  cap?: string;
  link?: string;
}

export interface ChecksumDeps {
  cache?: ChecksumCache;
  /** runs a hashing job (a p-limit limiter, say); the public types name no dependency's types */
  limit?: <T>(fn: () => PromiseLike<T> | T) => Promise<T>;
  stats?: ContextStats;
}

/** the record's type letter (part of the checksum cache's format) */
const TYPE_CHAR: Record<FileKind, string> = { file: 'f', dir: 'd', symlink: 'l', char: 'c', block: 'b', fifo: 'p', socket: 's' };

function typeChar(st: Stats): string {
  return TYPE_CHAR[fileKind(st)];
}

function rec(label: string, abs: string, src: string, st: Stats): Rec {
  const type = typeChar(st);
  return {
    label, abs, src, type,
    mode: st.mode & 0o7777,
    size: type === 'f' ? st.size : 0,
    ino: st.ino, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs,
    rdev: type === 'c' || type === 'b' ? st.rdev : 0,
  };
}

function relOf(root: string, abs: string): string {
  return abs === root ? '' : abs.slice(root.length + 1);
}

/** Checksum of a selection read from `source` (the context, or any CopySource). */
export async function checksumSources(source: CopySource, selection: SourceSelection, opts: ChecksumOptions & ChecksumDeps = {}): Promise<ContentChecksum> {
  const exclude = selection.exclude?.length ? defaultIgnoreMatcher(selection.exclude) : undefined;
  const total = createHash('sha256');
  total.update(`${VERSION}\n`);
  let entries = 0;
  let bytesRead = 0;
  let detail: { path: string; digest: string }[] | undefined = opts.detail ? [] : undefined;
  const detailMax = opts.detailMax ?? Infinity;
  const budget = { n: 0 };

  // Big selections seen before: their trees' identities fingerprinted by a perl walker (@tsbuild/sys perl/walk.ts),
  // taken BEFORE the walk below. A hit answers at once; on a miss the fingerprint is stored with the
  // digest the walk computes. Taken before, never after: a file changed between the two is then
  // recorded with its old identity, and the next build sees it as changed — never the other way.
  const cache = opts.cache;
  const key = cache?.selection ? memoKey(source, selection) : undefined;
  const fastKey = key && `${FAST_WALK_VERSION}\0${key}`;
  const known = fastKey ? cache!.peekSelection?.(fastKey) ?? cache!.peekSelection?.(key!) : undefined;
  let fast: FastFingerprint | undefined;
  if (fastKey && known && known.entries >= FAST_MIN_ENTRIES && (!detail || known.entries > detailMax)) {
    fast = await fastFingerprint(source, selection, opts.signal);
    const hit = fast && cache!.selection!(fastKey, fast.fingerprint);
    if (hit) {
      if (opts.stats) opts.stats.cacheHits += hit.entries;
      return { digest: hit.digest as ContentChecksum['digest'], entries: hit.entries, bytesRead: 0 };
    }
  }

  // walk everything first: the entries' identities may answer for the whole selection (memo)
  const walked: { raw: string; lists: Rec[][] }[] = [];
  let count = 0;
  /** set when a hidden directory was skipped whole (the perl walker would have entered it) */
  const pruned = { any: false };
  for (const raw of selection.sources) {
    if (isUrl(raw) || isHeredocMarker(raw)) continue;
    opts.signal?.throwIfAborted();
    const matches = fast?.matches.get(raw) ?? await selectSource(source, raw, { parents: selection.parents });
    const lists: Rec[][] = [];
    for (const m of matches) {
      // selectSource's lstat (taken before the perl walker when that ran: an older identity only makes the next build look again)
      const st = m.stat;
      // labels are where entries land relative to the destination: a directory's contents, a file's name,
      // or the kept path with --parents
      const top = m.parentsPath ?? (st.isDirectory() ? '' : m.rel.split('/').pop() ?? '');
      const list: Rec[] = [rec(top === '' ? '.' : top, m.abs, m.rel || '.', st)];
      if (st.isDirectory()) await collect(source, m.abs, st, top, '', exclude, budget, m.rel, list, cache, pruned);
      for (const e of list) if (e.type === 'l') e.link = readLink(e.abs);
      lists.push(list);
      count += list.length;
    }
    walked.push({ raw, lists });
  }
  // a memo needs no per-file lookups, text or hashing; not when per-entry detail is wanted
  const memo = key && (!detail || count > detailMax) ? memoOf(walked) : undefined;
  if (memo) {
    const hit = cache!.selection!(key!, memo.fingerprint);
    if (hit) {
      if (opts.stats) opts.stats.cacheHits += memo.files;
      // the next build of this selection answers from the perl walker's fingerprint (taken before this walk)
      if (fast) rememberFast(cache!, fastKey!, fast, pruned.any, count, hit, memo.newestMs);
      return { digest: hit.digest as ContentChecksum['digest'], entries: hit.entries, bytesRead: 0 };
    }
  }

  for (const { raw, lists } of walked) {
    total.update(`source ${raw}\n`);
    for (const list of lists) {
      // hashes: cache hits, then misses read synchronously through one reused buffer (no per-file
      // allocation: RSS stays flat and GC idle over 200 MB of small files)
      const missed: Rec[] = [];
      for (const e of list) {
        if (e.type !== 'f') continue;
        const hit = opts.cache?.get(e.abs, e);
        if (hit) {
          const plus = hit.indexOf('+');
          if (plus < 0) e.sha = hit;
          else { e.sha = hit.slice(0, plus); e.cap = hit.slice(plus + 1); }
          if (opts.stats) opts.stats.cacheHits++;
          continue;
        }
        if (opts.stats) opts.stats.filesHashed++;
        missed.push(e);
        if (++budget.n % 256 === 0 || e.size > SMALL) await new Promise<void>((r) => setImmediate(r));
        e.sha = hashFileSync(e.abs);
        bytesRead += e.size;
      }
      if (missed.length > 0) {
        const caps = await readCapabilities(missed.map((e) => e.abs));
        for (const [i, v] of caps) missed[i]!.cap = v.toString('hex');
        for (const e of missed) opts.cache?.set(e.abs, e, e.cap ? `${e.sha!}+${e.cap}` : e.sha!);
      }

      // too many to explain: known before building any per-entry detail
      if (detail && detail.length + list.length > detailMax) detail = undefined;
      let chunk = '';
      for (const e of list) {
        const body = `${e.type}\0${e.mode.toString(8)}\0${e.size}\0${e.link ?? ''}\0${e.rdev === 0 ? '' : e.rdev}\0${e.sha ?? ''}${e.cap ? `\0cap=${e.cap}` : ''}`;
        chunk += `${e.label}\0${body}\n`;
        if (chunk.length > 65536) { total.update(bytesOf(chunk)); chunk = ''; }
        entries++;
        // per-entry digest for explanations: the entry's own fields (cheap, compared for equality only)
        if (detail) {
          if (detail.length >= detailMax) detail = undefined; // too many to explain: stop paying for it
          else detail.push({ path: e.src, digest: body.replaceAll('\0', ':') });
        }
      }
      total.update(bytesOf(chunk));
    }
  }
  const digest = `sha256:${total.digest('hex')}` as const;
  // remembered only when nothing changed too recently to trust its times (see ChecksumCache.setSelection)
  if (memo) {
    cache!.setSelection!(key!, memo.fingerprint, { digest, entries }, memo.newestMs);
    if (fast) rememberFast(cache!, fastKey!, fast, pruned.any, count, { digest, entries }, memo.newestMs);
  }
  if (opts.stats) opts.stats.bytesRead += bytesRead;
  const out: ContentChecksum = { digest, entries, bytesRead };
  if (detail) out.detail = detail;
  return out;
}

/**
 * Fingerprint of a walked selection for the ChecksumCache's selection memo (under memoKey). It covers every
 * entry's identity in walk order (inode, size, mtime, ctime, type+mode, rdev, link target) plus the
 * matches' labels. Same fingerprint → same digest: any change to content, mode, a name in a
 * directory or a link moves some entry's ctime (ctime cannot be set from user space).
 */
function memoOf(walked: { raw: string; lists: Rec[][] }[]): { fingerprint: string; files: number; newestMs: number } {
  const h = createHash('sha256');
  let files = 0;
  let newestMs = 0;
  const TYPE: Record<string, number> = { f: 1, d: 2, l: 3, c: 4, b: 5, p: 6, s: 7 };
  for (const { raw, lists } of walked) {
    h.update(`source ${raw}\n`);
    for (const list of lists) {
      h.update(`match ${list[0]!.label}\0${list.length}\n`);
      const ids = new Float64Array(list.length * 6);
      let links = '';
      for (let i = 0; i < list.length; i++) {
        const e = list[i]!;
        ids[6 * i] = e.ino;
        ids[6 * i + 1] = e.size;
        ids[6 * i + 2] = e.mtimeMs;
        ids[6 * i + 3] = e.ctimeMs;
        ids[6 * i + 4] = TYPE[e.type]! * 0x10000 + e.mode;
        ids[6 * i + 5] = e.rdev;
        if (e.link !== undefined) links += `${i}\0${e.link}\0`;
        if (e.type === 'f') files++;
        const t = e.ctimeMs > e.mtimeMs ? e.ctimeMs : e.mtimeMs;
        if (t > newestMs) newestMs = t;
      }
      h.update(ids);
      h.update(bytesOf(links));
    }
  }
  return { fingerprint: h.digest('hex'), files, newestMs };
}

/**
 * Store the perl walker's fingerprint with the selection's digest — only when nothing the walk saw
 * changed within FAST_SETTLED_MS before the walker started (the walker's times are whole seconds;
 * see @tsbuild/sys perl/walk.ts) — or, when the walk skipped a hidden directory whole (the walker enters every
 * directory, so it would fingerprint more than the selection and miss whenever that directory
 * changes), a row that never matches and says "not worth a walker": later builds walk in Node only.
 */
function rememberFast(cache: ChecksumCache, fastKey: string, fast: FastFingerprint, pruned: boolean, count: number, value: { digest: string; entries: number }, newestMs: number): void {
  if (pruned || count < FAST_MIN_ENTRIES) cache.setSelection!(fastKey, NEVER, { digest: value.digest, entries: 0 }, 0);
  else if (newestMs < fast.startedMs - FAST_SETTLED_MS) cache.setSelection!(fastKey, fast.fingerprint, value, newestMs);
}

interface FastFingerprint {
  fingerprint: string;
  /** the selection's matches, as fingerprinted (the walk after a miss reuses them) */
  matches: Map<string, SourceMatch[]>;
  /** wall-clock ms when the perl walker started */
  startedMs: number;
}

/** a fingerprint no walk produces */
const NEVER = '0'.repeat(64);

/** What names a selection in the memos: root, sources, --exclude, --parents, ignore patterns. */
function memoKey(source: CopySource, selection: SourceSelection): string {
  const ignore = (source as { ignorePatterns?: string[] }).ignorePatterns ?? [];
  return `${VERSION}\0${source.root}\0${JSON.stringify([selection.sources, selection.exclude ?? [], !!selection.parents, ignore])}`;
}

/**
 * The selection's matches and the fingerprint of their identities plus, for directories, the perl
 * walker's digests of everything below them (hidden entries included: a change there only costs a
 * miss). Undefined where the walker cannot run.
 */
async function fastFingerprint(source: CopySource, selection: SourceSelection, signal?: AbortSignal): Promise<FastFingerprint | undefined> {
  const h = createHash('sha256');
  h.update(`${FAST_WALK_VERSION}\n`);
  const matches = new Map<string, SourceMatch[]>();
  const dirs: string[] = [];
  for (const raw of selection.sources) {
    if (isUrl(raw) || isHeredocMarker(raw) || matches.has(raw)) continue;
    const ms = await selectSource(source, raw, { parents: selection.parents });
    matches.set(raw, ms);
    h.update(`source ${raw}\n`);
    for (const m of ms) {
      const st = m.stat; // selectSource lstat'ed it just now
      h.update(`${m.rel}\0${m.parentsPath ?? ''}\0${st.mode}\0${st.ino}\0${st.size}\0${st.mtimeMs}\0${st.ctimeMs}\n`);
      if (st.isDirectory()) dirs.push(m.abs);
    }
  }
  if (dirs.length === 0) return undefined;
  const startedMs = Date.now();
  const walk = await fastWalk(dirs, availableParallelism(), signal);
  if (!walk) return undefined;
  h.update(`${walk.digests.join(' ')} ${walk.bytes}`);
  return { fingerprint: h.digest('hex'), matches, startedMs };
}

/**
 * Append the entries below `dirAbs` in copy order to `out`, filtered by the ignore file and
 * --exclude; labels prefixed by `label`. Returns how many entries were appended.
 */
async function collect(source: CopySource, dirAbs: string, dirId: DirIdentity, label: string, relMatch: string, exclude: IgnoreMatcher | undefined, budget: { n: number }, srcBase: string, out: Rec[], cache: ChecksumCache | undefined, pruned: { any: boolean }): Promise<number> {
  const start = out.length;
  // a context without ignore patterns has nothing to ask per entry
  const ignoring = source.isIgnored !== undefined && (source as { ignorePatterns?: string[] }).ignorePatterns?.length !== 0;
  // entry types only matter when something can be hidden (plain names otherwise: no Dirent per entry)
  const typed = ignoring || exclude !== undefined;
  // an unchanged directory's names come from the cache (no readdir, no sort); hidden entries are
  // then told apart by their lstat instead of a Dirent type
  let ents: (string | Dirent)[] | undefined = cache?.listing?.(dirAbs, dirId);
  // the cache stores names as UTF-8 text: a listing that lost bytes (U+FFFD) is not trusted
  if (ents?.some((n) => (n as string).includes('\ufffd'))) ents = undefined;
  if (!ents) {
    ents = typed
      ? readdirSync(fsName(dirAbs), { withFileTypes: true }).sort((a, b) => byteCompare(a.name, b.name))
      : readdirSync(fsName(dirAbs)).sort(byteCompare);
    // a name that is not UTF-8: Node shows U+FFFD for its bad bytes; list its bytes (names are bytes)
    if (ents.some((e) => (typeof e === 'string' ? e : e.name).includes('\ufffd'))) {
      ents = readdirSync(fsName(dirAbs), { encoding: 'buffer' }).map((b) => decodeName(b)).sort(byteCompare);
    }
    const names = ents.map((e) => (typeof e === 'string' ? e : e.name));
    // (names with non-UTF-8 bytes cannot be stored as the cache's text: such a directory is listed every time)
    if (!names.some(hasEscapes)) cache?.setListing?.(dirAbs, dirId, names);
  }
  for (const ent of ents) {
    const n = typeof ent === 'string' ? ent : ent.name;
    if (++budget.n % 1024 === 0) await new Promise<void>((r) => setImmediate(r));
    const abs = dirAbs + '/' + n;
    const rm = relMatch === '' ? n : `${relMatch}/${n}`;
    const ignored = ignoring ? source.isIgnored!(relOf(source.root, abs)) : false;
    const excluded = exclude ? exclude.matches(rm) : false;
    const hidden = ignored || excluded;
    // a hidden non-directory is skipped without an lstat (readdir's type is lstat's)
    if (hidden && typeof ent !== 'string' && !ent.isDirectory()) continue;
    const st = lstatSync(fsName(abs));
    const isDir = st.isDirectory();
    if (hidden && !(isDir && ((ignored && !(source.canSkipIgnoredDir?.(relOf(source.root, abs)) ?? !source.ignoreHasExceptions)) || (excluded && !exclude!.canSkipDir(rm))))) {
      if (isDir) pruned.any = true;
      continue;
    }
    // below a directory match label and relMatch are the same path: share the string
    const l = label === relMatch ? rm : label === '' ? n : `${label}/${n}`;
    const src = srcBase === '' ? rm : `${srcBase}/${rm}`;
    const r = rec(l, abs, src, st);
    if (!isDir) { out.push(r); continue; }
    const at = out.length;
    out.push(r);
    const below = await collect(source, abs, st, l, rm, exclude, budget, srcBase, out, cache, pruned);
    if (hidden && below === 0) out.length = at; // an ignored dir only appears for the exceptions it holds
  }
  return out.length - start;
}

/** One read buffer for all misses (hashing is synchronous, so it is never shared between two reads). */
let readBuf: Buffer | undefined;

function hashFileSync(abs: string): string {
  const h = createHash('sha256');
  const buf = (readBuf ??= Buffer.allocUnsafe(READ_CHUNK));
  const fd = openSync(fsName(abs), 'r');
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** text to hash: a name with escaped non-UTF-8 bytes hashes as its bytes (a string would turn every bad byte into U+FFFD, and two names into one) */
function bytesOf(text: string): string | Buffer {
  return hasEscapes(text) ? encodeName(text) : text;
}

function readLink(abs: string): string {
  return decodeName(readlinkSync(fsName(abs), { encoding: 'buffer' }));
}
