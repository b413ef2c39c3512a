/**
 * Open a build context directory: find its ignore file the way BuildKit does
 * (`<Dockerfile name>.dockerignore` next to the Dockerfile wins over `<context>/.dockerignore`),
 * build the matcher, and expose resolve / glob / checksum over the visible files.
 */
import { lstat } from 'node:fs/promises';
import { statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';
import pLimit from 'p-limit';
import { BuildError } from '../errors.js';
import { readRegularFileSync } from '../io/readRegular.js';
import { cleanComponents, escapesRoot, resolveInRootAsync } from '@tsbuild/layerstore';
import { resolveWildcards } from '../copy/wildcard.js';
import { checksumSources } from './checksum.js';
import { MemoryChecksumCache } from './checksumCache.js';
import { defaultIgnoreMatcher, readIgnoreLines, type IgnoreMatcher } from './ignoreMatcher.js';
import type { BuildContext, ChecksumOptions, ContentChecksum, ContextStats, LoadContextOptions, SourceSelection } from './types.js';

/** BuildKit reads the ignore file whole too; one this big is a mistake, not a list of patterns */
const MAX_IGNORE_BYTES = 16 << 20;

async function readIfFile(p: string): Promise<string | undefined> {
  try {
    // small; sync costs less than the thread-pool round trips. Only a regular file, capped: a FIFO
    // here once hung context loading beyond SIGTERM's reach
    return readRegularFileSync(p, { what: 'the ignore file', max: MAX_IGNORE_BYTES }).toString('utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw err;
  }
}

/** The ignore file BuildKit would use, and its text. */
export async function findIgnoreFile(dir: string, dockerfilePath?: string): Promise<{ file: string; text: string } | undefined> {
  if (dockerfilePath) {
    const df = resolvePath(dockerfilePath);
    const specific = join(dirname(df), `${basename(df)}.dockerignore`);
    const t = await readIfFile(specific);
    if (t !== undefined) return { file: specific, text: t };
  }
  const general = join(dir, '.dockerignore');
  const t = await readIfFile(general);
  return t === undefined ? undefined : { file: general, text: t };
}

export async function loadContext(dir: string, opts: LoadContextOptions = {}): Promise<BuildContext> {
  const root = resolvePath(dir);
  let st;
  try {
    st = statSync(root);
  } catch {
    throw new BuildError('E_CONTEXT', `build context ${dir} does not exist`, { data: { dir } });
  }
  if (!st.isDirectory()) throw new BuildError('E_CONTEXT', `build context ${dir} is not a directory`, { data: { dir } });

  const ig = await findIgnoreFile(root, opts.dockerfilePath);
  const patterns = ig ? readIgnoreLines(ig.text) : [];
  let matcher: IgnoreMatcher | undefined;
  if (patterns.length > 0) {
    try {
      matcher = defaultIgnoreMatcher(patterns);
    } catch (err) {
      throw new BuildError('E_CONTEXT', `invalid ${ig!.file}: ${(err as Error).message}`, { cause: err, data: { file: ig!.file } });
    }
  }
  const cache = opts.cache ?? new MemoryChecksumCache();
  const limit = pLimit(opts.concurrency ?? 32);
  const stats: ContextStats = { bytesRead: 0, cacheHits: 0, filesHashed: 0 };
  const ignoreMemo = new Map<string, boolean>();

  const ctx: BuildContext = {
    root,
    dir: root,
    owner: 'root',
    name: 'context',
    ignoreFile: ig?.file,
    ignorePatterns: patterns,
    ignoreHasExceptions: matcher?.hasExceptions ?? false,
    canSkipIgnoredDir(relDir: string): boolean {
      return matcher ? matcher.canSkipDir(cleanComponents(relDir).join('/')) : true;
    },
    stats,
    isIgnored(relPath: string): boolean {
      if (!matcher) return false;
      const rel = cleanComponents(relPath).join('/');
      if (rel === '') return false;
      let v = ignoreMemo.get(rel);
      if (v === undefined) {
        v = matcher.matches(rel);
        if (ignoreMemo.size < 100_000) ignoreMemo.set(rel, v);
      }
      return v;
    },
    resolve(relPath: string): string {
      if (escapesRoot(relPath)) throw new BuildError('E_CONTEXT', `path "${relPath}" is outside of the build context`, { data: { path: relPath } });
      const c = cleanComponents(relPath);
      return c.length === 0 ? root : join(root, ...c);
    },
    async resolveFollow(relPath: string): Promise<string> {
      if (escapesRoot(relPath)) throw new BuildError('E_CONTEXT', `path "${relPath}" is outside of the build context`, { data: { path: relPath } });
      return resolveInRootAsync(root, relPath);
    },
    async glob(globs: string[], gopts: { exclude?: string[] } = {}): Promise<string[]> {
      const ex = gopts.exclude?.length ? defaultIgnoreMatcher(gopts.exclude) : undefined;
      const out: string[] = [];
      for (const g of globs) {
        if (escapesRoot(g)) throw new BuildError('E_CONTEXT', `path "${g}" is outside of the build context`, { data: { path: g } });
        for (const rel of await resolveWildcards(root, g, { followLinks: true, isHidden: (r) => ctx.isIgnored(r) })) {
          if (ex?.matches(rel)) continue;
          if (rel !== '' && ctx.isIgnored(rel)) continue;
          try { await lstat(join(root, rel)); } catch { continue; }
          if (!out.includes(rel)) out.push(rel);
        }
      }
      return out;
    },
    knownCapability(abs: string, st: Stats): Buffer | null | undefined {
      if (!st.isFile()) return undefined;
      const v = cache.get(abs, st);
      if (v === undefined) return undefined;
      const plus = v.indexOf('+');
      return plus < 0 ? null : Buffer.from(v.slice(plus + 1), 'hex');
    },
    async checksum(selection: SourceSelection | string[], copts: ChecksumOptions = {}): Promise<ContentChecksum> {
      const sel = Array.isArray(selection) ? { sources: selection } : selection;
      return checksumSources(ctx, sel, { ...copts, cache, limit, stats });
    },
  };
  return ctx;
}
