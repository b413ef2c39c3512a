/**
 * One .dockerignore pattern compiled like patternmatcher's `Pattern.compile`: a plain pattern is
 * an exact string compare, `prefix**` a prefix test, `**suffix` a suffix test, anything else a
 * regexp (`*` = `[^/]*`, `?` = `[^/]`, `**` = any number of segments, `**` followed by a slash may match no segment,
 * `[...]` and `\x` passed to the regexp). Compilation errors surface when the pattern is first
 * matched, as in Go.
 */
import { GoRegexpError, goProgram, goRegExp } from './goregexp.js';
import { lit, nfaMatch, notCp, SEG, starOf, type NfaNode } from './nfa.js';

export type PathTest = (path: string) => boolean;

/**
 * The NFA program (nfa.ts) for the common patterns, built alongside the regexp source: a literal
 * code point, `?` (one character but a slash), `*` (a run of them), `**` followed by more (the
 * optional group of any characters ending in a slash), a trailing `**` after other wildcards
 * (anything but newlines, as Go's `.*`).
 */
const ANY = notCp(0x2f);
const STAR = starOf(ANY);
const SEGMENTS = SEG;
const DOTSTAR = starOf(notCp(0x0a));

/** Go source of the regexp and the match type, exactly as patternmatcher builds them. */
export function compileSource(pattern: string): { kind: 'exact' | 'prefix' | 'suffix' | 'regexp'; source: string; program?: NfaNode[] } {
  let re = '^';
  // the same pattern as an NFA program, unless it uses `[...]`, `\x` or a raw `^` (left to the regexp)
  let program: NfaNode[] | undefined = [];
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
            program?.push(DOTSTAR);
            kind = 'regexp';
          }
        } else {
          re += '(.*/)?';
          if (program && program[program.length - 1] !== SEGMENTS) program.push(SEGMENTS);
          kind = 'regexp';
        }
        if (i === 0) kind = 'suffix';
      } else {
        re += '[^/]*';
        program?.push(STAR);
        kind = 'regexp';
      }
    } else if (ch === '?') {
      re += '[^/]';
      program?.push(ANY);
      kind = 'regexp';
    } else if ('.+()|{}$'.includes(ch)) {
      re += '\\' + ch;
      program?.push(lit(ch.codePointAt(0)!));
    } else if (ch === '\\') {
      program = undefined;
      if (k < cps.length) {
        re += '\\' + cps[k++]!;
        kind = 'regexp';
      } else {
        re += '\\';
      }
    } else if (ch === '[' || ch === ']') {
      re += ch;
      program = undefined;
      kind = 'regexp';
    } else {
      re += ch;
      if (ch === '^') program = undefined;
      else program?.push(lit(ch.codePointAt(0)!));
    }
  }
  if (kind === 'regexp') re += '$';
  return { kind, source: re, program };
}

/** Build the path test; throws GoRegexpError for a pattern Go's regexp.Compile rejects. */
export function compilePattern(pattern: string): PathTest {
  const { kind, source, program: glob } = compileSource(pattern);
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
      if (glob) return (path) => nfaMatch(glob, path);
      const program = goProgram(source);
      if (program) return (path) => nfaMatch(program, path);
      const re = goRegExp(source);
      return (path) => re.test(path);
    }
  }
}

export { GoRegexpError };
