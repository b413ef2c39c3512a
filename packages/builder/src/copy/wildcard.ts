/**
 * COPY source wildcards with BuildKit's semantics: Go `filepath.Match` per path segment
 * (`*`, `?`, `[...]`/`[^...]`, `\` escapes; `*` never crosses `/`), dotfiles matched by `*`.
 * The literal prefix before the first wildcard segment is resolved through symlinks (scoped to
 * the root); below it, symlinked directories are not descended (like filepath.Walk).
 * A matched directory is not descended further. Results are in lexical order.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanComponents, resolveInRootAsync } from '@tsbuild/layerstore';

export function containsWildcards(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (ch === '\\') i++;
    else if (ch === '*' || ch === '?' || ch === '[') return true;
  }
  return false;
}

/** Remove `\` escapes from a segment without wildcards. */
export function unescapeLiteral(seg: string): string {
  return seg.replace(/\\(.)/gs, '$1');
}

const cache = new Map<string, RegExp | null>();

/** Compile one Go filepath.Match segment to a RegExp; null for a bad pattern (never matches). */
export function compileSegment(pattern: string): RegExp | null {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  let re = '^';
  let ok = true;
  for (let i = 0; i < pattern.length && ok; i++) {
    const ch = pattern[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '\\') {
      if (i + 1 >= pattern.length) { ok = false; break; }
      re += escapeRe(pattern[++i]!);
    } else if (ch === '[') {
      let j = i + 1;
      let cls = '';
      if (pattern[j] === '^') { cls += '^'; j++; }
      let first = true;
      for (;;) {
        if (j >= pattern.length) { ok = false; break; }
        let c = pattern[j]!;
        if (c === ']' && !first) break;
        first = false;
        if (c === '\\') { j++; if (j >= pattern.length) { ok = false; break; } c = pattern[j]!; }
        let lo = c;
        j++;
        if (pattern[j] === '-' && pattern[j + 1] !== undefined && pattern[j + 1] !== ']') {
          j++;
          let hi = pattern[j]!;
          if (hi === '\\') { j++; hi = pattern[j] ?? ''; if (hi === '') { ok = false; break; } }
          j++;
          if (hi < lo) { ok = false; break; }
          cls += escapeCls(lo) + '-' + escapeCls(hi);
        } else cls += escapeCls(lo);
      }
      if (!ok) break;
      if (cls === '' || cls === '^') { ok = false; break; }
      re += cls.startsWith('^') ? `(?!/)[${cls}]` : `[${cls}]`;
      i = j;
    } else re += escapeRe(ch);
  }
  const out = ok ? new RegExp(re + '$', 'su') : null;
  cache.set(pattern, out);
  return out;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
function escapeCls(c: string): string {
  return c.replace(/[\]\\^-]/g, '\\$&');
}

export function matchSegment(pattern: string, name: string): boolean {
  const re = compileSegment(pattern);
  return re !== null && re.test(name);
}

/** Byte-order comparison (Go sorts names bytewise). */
export function byteCompare(a: string, b: string): number {
  // UTF-8 byte order is code point order; UTF-16 code units agree with it except that surrogates
  // (U+10000 and up) must sort after U+E000..U+FFFF — no Buffer per comparison
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
      y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
    }
    return x - y;
  }
  return a.length - b.length;
}

export interface ResolveWildcardsOptions {
  /** follow symlinks in the literal prefix (BuildKit: FollowSymlinks) */
  followLinks?: boolean;
  /** hide entries (relative to root, '/'-separated) — the context's .dockerignore */
  isHidden?: (rel: string) => boolean;
}

/**
 * Expand `src` ('/'-separated, relative to `root`) into matching paths relative to `root`
 * ('/'-separated, no leading slash, as found on disk below the resolved literal prefix).
 * A source without wildcards is returned as is (existence is checked by the caller).
 */
export async function resolveWildcards(root: string, src: string, opts: ResolveWildcardsOptions = {}): Promise<string[]> {
  const comps = cleanComponents(src);
  const firstWild = comps.findIndex(containsWildcards);
  if (firstWild < 0) return [comps.join('/')];
  // like BuildKit, the literal prefix is used as written (escapes only mean something in patterns)
  const prefix = comps.slice(0, firstWild);
  const base = await resolveInRootAsync(root, prefix.join('/'), { followLast: opts.followLinks ?? true });
  const baseRel = relativeTo(root, base);
  const rest = comps.slice(firstWild);
  const out: string[] = [];
  await expand(base, baseRel, rest, out, opts.isHidden);
  return out;
}

function relativeTo(root: string, abs: string): string {
  if (abs === root) return '';
  return abs.slice(root.length + 1);
}

async function expand(dir: string, rel: string, rest: string[], out: string[], isHidden?: (rel: string) => boolean): Promise<void> {
  const [seg, ...tail] = rest;
  if (seg === undefined) return;
  let names: string[];
  if (!containsWildcards(seg)) {
    names = [unescapeLiteral(seg)];
  } else {
    try {
      names = (await readdir(dir)).filter((n) => matchSegment(seg, n)).sort(byteCompare);
    } catch {
      return;
    }
  }
  for (const name of names) {
    const childRel = rel === '' ? name : `${rel}/${name}`;
    if (isHidden?.(childRel)) continue;
    const abs = join(dir, name);
    if (tail.length === 0) {
      if (!containsWildcards(seg)) {
        try { await lstat(abs); } catch { continue; }
      }
      out.push(childRel);
      continue;
    }
    let st;
    try { st = await lstat(abs); } catch { continue; }
    if (st.isDirectory()) await expand(abs, childRel, tail, out, isHidden);
  }
}
