/**
 * One .dockerignore pattern compiled like patternmatcher's `Pattern.compile`: a plain pattern is
 * an exact string compare, `prefix**` a prefix test, `**suffix` a suffix test, anything else a
 * regexp (`*` = `[^/]*`, `?` = `[^/]`, `**` = any number of segments, `**` followed by a slash may match no segment,
 * `[...]` and `\x` passed to the regexp). Compilation errors surface when the pattern is first
 * matched, as in Go.
 */
import { GoRegexpError, goRegExp } from './goregexp.js';

export type PathTest = (path: string) => boolean;

/** Go source of the regexp and the match type, exactly as patternmatcher builds them. */
export function compileSource(pattern: string): { kind: 'exact' | 'prefix' | 'suffix' | 'regexp'; source: string } {
  let re = '^';
  let kind: 'exact' | 'prefix' | 'suffix' | 'regexp' = 'exact';
  const cps = Array.from(pattern);
  for (let i = 0, k = 0; k < cps.length; i++) {
    const ch = cps[k++]!;
    if (ch === '*') {
      if (cps[k] === '*') {
        k++;
        if (cps[k] === '/') k++; // `**/` is `**`
        if (k >= cps.length) {
          // trailing `**` accepts everything below, as in .gitignore
          if (kind === 'exact') kind = 'prefix';
          else {
            re += '.*';
            kind = 'regexp';
          }
        } else {
          re += '(.*/)?';
          kind = 'regexp';
        }
        if (i === 0) kind = 'suffix';
      } else {
        re += '[^/]*';
        kind = 'regexp';
      }
    } else if (ch === '?') {
      re += '[^/]';
      kind = 'regexp';
    } else if ('.+()|{}$'.includes(ch)) {
      re += '\\' + ch;
    } else if (ch === '\\') {
      if (k < cps.length) {
        re += '\\' + cps[k++]!;
        kind = 'regexp';
      } else {
        re += '\\';
      }
    } else if (ch === '[' || ch === ']') {
      re += ch;
      kind = 'regexp';
    } else {
      re += ch;
    }
  }
  if (kind === 'regexp') re += '$';
  return { kind, source: re };
}

/** Build the path test; throws GoRegexpError for a pattern Go's regexp.Compile rejects. */
export function compilePattern(pattern: string): PathTest {
  const { kind, source } = compileSource(pattern);
  switch (kind) {
    case 'exact':
      return (path) => path === pattern;
    case 'prefix': {
      const prefix = pattern.slice(0, -2);
      return (path) => path.startsWith(prefix);
    }
    case 'suffix': {
      const suffix = pattern.slice(2);
      const bare = suffix.startsWith('/') ? suffix.slice(1) : undefined;
      // `**/foo` also matches `foo` itself
      return (path) => path.endsWith(suffix) || path === bare;
    }
    case 'regexp': {
      const re = goRegExp(source);
      return (path) => re.test(path);
    }
  }
}

export { GoRegexpError };
