/**
 * The .dockerignore matcher as the context sees it. `@tsbuild/parser` owns the real implementation
 * (moby/patternmatcher semantics); until it is published this module carries a compatible stopgap
 * so the context works. Swap point: `defaultIgnoreMatcher`.
 */

export interface IgnoreMatcher {
  /** true when `relPath` ('/'-separated, relative to the context root) is excluded — directly or through a parent */
  matches(relPath: string): boolean;
  /** true when some pattern is an exception (`!pattern`): an excluded dir may still hold included files */
  readonly hasExceptions: boolean;
}

export type IgnoreMatcherFactory = (patterns: string[]) => IgnoreMatcher;

interface Compiled { re: RegExp; exclusion: boolean; depth: number }

function compile(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        while (pattern[i + 1] === '*') i++;
        if (pattern[i + 1] === '/') { i++; re += '(.*/)?'; } else re += '.*';
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else if (ch === '\\' && i + 1 < pattern.length) { i++; re += escapeRe(pattern[i]!); }
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new Error(`syntax error in pattern ${pattern}`);
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('^') || body.startsWith('!')) body = '^' + body.slice(1);
      re += '[' + body.replace(/\\/g, '\\\\') + ']';
      i = end;
    } else re += escapeRe(ch);
  }
  return new RegExp(re + '$', 's');
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Clean a pattern like ignorefile.ReadAll + patternmatcher.New do. */
export function cleanPattern(raw: string): { pattern: string; exclusion: boolean } | undefined {
  let p = raw.trim();
  if (p === '') return undefined;
  let exclusion = false;
  if (p.startsWith('!')) {
    exclusion = true;
    p = p.slice(1).trim();
    if (p === '') throw new Error(`illegal exclusion pattern: "!"`);
  }
  const parts: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') { if (parts.length && parts[parts.length - 1] !== '..') parts.pop(); else parts.push('..'); continue; }
    parts.push(c);
  }
  const pattern = parts.join('/') || '.';
  return { pattern, exclusion };
}

/** Stopgap matcher with patternmatcher's `MatchesOrParentMatches` semantics (last match wins). */
export const stopgapIgnoreMatcher: IgnoreMatcherFactory = (patterns) => {
  const compiled: Compiled[] = [];
  for (const raw of patterns) {
    const c = cleanPattern(raw);
    if (!c) continue;
    compiled.push({ re: compile(c.pattern), exclusion: c.exclusion, depth: c.pattern.split('/').length });
  }
  const hasExceptions = compiled.some((c) => c.exclusion);
  return {
    hasExceptions,
    matches(relPath: string): boolean {
      const parts = relPath.split('/').filter((x) => x !== '' && x !== '.');
      const file = parts.join('/');
      let matched = false;
      for (const p of compiled) {
        let m = p.re.test(file);
        if (!m && parts.length > 1) {
          for (let n = 1; n < parts.length && !m; n++) m = p.re.test(parts.slice(0, n).join('/'));
        }
        if (m) matched = !p.exclusion;
      }
      return matched;
    },
  };
};

export const defaultIgnoreMatcher: IgnoreMatcherFactory = stopgapIgnoreMatcher;

/** Lines of a .dockerignore file: comments (#…) and blank lines dropped. */
export function readIgnoreLines(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#')) continue;
    const t = line.trim();
    if (t !== '') out.push(t);
  }
  return out;
}
