/**
 * Source selection shared by applyCopy and the content checksum: expand wildcards, follow the
 * top-level symlink of each match (scoped to the source root, as BuildKit's FollowSymlinks does),
 * honour the context's .dockerignore, and fail clearly for a missing literal source.
 */
import { lstatSync } from 'node:fs';
import { BuildError } from '../errors.js';
import { cleanComponents, resolveInRootAsync } from '@tsbuild/layerstore';
import { containsWildcards, resolveWildcards } from './wildcard.js';
import type { CopySource, SourceMatch } from './types.js';

export function isUrl(src: string): boolean {
  return /^https?:\/\//i.test(src);
}

/** `<<EOF`-style heredoc markers the parser may leave among sources. */
export function isHeredocMarker(src: string): boolean {
  return src.startsWith('<<');
}

/** Pruning during wildcard expansion: only safe when no `!exception` can re-include below an ignored dir. */
function hiddenBy(source: CopySource): ((rel: string) => boolean) | undefined {
  const f = source.isIgnored?.bind(source);
  if (!f || source.ignoreHasExceptions) return undefined;
  return f;
}

function relOf(root: string, abs: string): string {
  return abs === root ? '' : abs.slice(root.length + 1);
}

function notFound(source: CopySource, src: string): BuildError {
  return new BuildError('E_COPY_SOURCE', `failed to calculate checksum of ref ${source.name}: "${src}": not found`, {
    data: { path: src, source: source.name },
  });
}

export interface SelectOptions {
  /** --parents: keep the path below the pivot (`a/./b` → pivot a); matches are not followed */
  parents?: boolean;
}

/** Expand one source path into its matches. A literal path that does not exist throws E_COPY_SOURCE. */
export async function selectSource(source: CopySource, rawSrc: string, opts: SelectOptions = {}): Promise<SourceMatch[]> {
  // a leading '..' is no error: BuildKit joins the source onto the root (join("/", "../x") = "/x",
  // moby/buildkit#2131), so `COPY ../x` copies the context's x; nothing outside the root is reachable
  let pivot = '';
  let pattern = rawSrc;
  if (opts.parents) {
    const i = rawSrc.indexOf('/./');
    if (i >= 0) { pivot = rawSrc.slice(0, i); pattern = rawSrc.slice(i + 3); }
  }
  const src = '/' + cleanComponents(rawSrc).join('/');
  const hidden = hiddenBy(source);
  const pivotRel = cleanComponents(pivot).join('/');
  const full = [pivotRel, cleanComponents(pattern).join('/')].filter(Boolean).join('/');
  const wild = containsWildcards(full);
  const rels = await resolveWildcards(source.root, full, { followLinks: true, isHidden: hidden });
  const out: SourceMatch[] = [];
  for (const rel of rels) {
    let abs: string;
    try {
      abs = await resolveInRootAsync(source.root, rel, { followLast: !opts.parents });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
      throw new BuildError('E_COPY_SOURCE', `failed to calculate checksum of ref ${source.name}: "${src}": too many levels of symbolic links`, { cause: err, data: { path: src, source: source.name } });
    }
    const resolvedRel = relOf(source.root, abs);
    const ignored = (rel !== '' && !!source.isIgnored?.(rel)) || (resolvedRel !== '' && !!source.isIgnored?.(resolvedRel));
    let stat;
    try {
      stat = lstatSync(abs);
    } catch (err) {
      if (wild) continue;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw notFound(source, src);
      throw err;
    }
    // an ignored entry does not exist for COPY — except a directory that `!exceptions` may re-include parts of
    if (ignored && !(stat.isDirectory() && !(source.canSkipIgnoredDir?.(resolvedRel || rel) ?? !source.ignoreHasExceptions))) {
      if (wild) continue;
      throw notFound(source, src);
    }
    const m: SourceMatch = { src, rel, abs, stat };
    if (opts.parents) {
      // path below the pivot, as found (the pivot itself resolved through symlinks like the prefix)
      m.parentsPath = pivotRel === '' ? rel : rel.startsWith(pivotRel + '/') ? rel.slice(pivotRel.length + 1) : relBelowPivot(rel, pivotRel);
    }
    out.push(m);
  }
  return out;
}

function relBelowPivot(rel: string, pivotRel: string): string {
  // the pivot went through a symlink: keep the components that came from the pattern
  const n = pivotRel.split('/').length;
  return rel.split('/').slice(n).join('/');
}

/** Select every non-URL, non-heredoc source of an op, in order. */
export async function selectSources(source: CopySource, sources: string[], opts: SelectOptions = {}): Promise<SourceMatch[]> {
  const out: SourceMatch[] = [];
  for (const s of sources) {
    if (isUrl(s) || isHeredocMarker(s)) continue;
    out.push(...(await selectSource(source, s, opts)));
  }
  return out;
}
