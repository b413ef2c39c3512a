/**
 * One .dockerignore pattern compiled like patternmatcher's `Pattern.compile`: a plain pattern is
 * an exact string compare, `prefix**` a prefix test, `**suffix` a suffix test, anything else a
 * regexp (`*` = `[^/]*`, `?` = `[^/]`, `**` = any number of segments, `**` followed by a slash may match no segment,
 * `[...]` and `\x` passed to the regexp). Compilation errors surface when the pattern is first
 * matched, as in Go.
 */
import { GoRegexpError, goProgram, goRegExp } from './goregexp.js';
import { nfaMatch } from './nfa.js';

export type PathTest = (path: string) => boolean;

/**
 * NFA tokens for the common patterns: a code point (literal), or one of
 * T_ANY (one character but a slash), T_STAR (a run of them), T_SEGMENTS (the optional group of
 * any characters ending in a slash that `**` becomes), T_DOTSTAR (anything but newlines, as Go's `.`).
 * Matching them by simulating the NFA is linear, where a backtracking regexp for `*a*a*a*b`
 * explodes on a long file name.
 */
type GlobToken = number;
const T_ANY = -1;
const T_STAR = -2;
const T_SEGMENTS = -3;
const T_DOTSTAR = -4;
const SLASH = 0x2f;
const NL = 0x0a;

/** Full match of `path` against tokens. State 2i = before token i, 2i+1 = inside a T_SEGMENTS group. */
export function globMatch(tokens: readonly GlobToken[], path: string): boolean {
  const m = tokens.length;
  if (2 * m + 1 <= 30) return globMatchSmall(tokens, path);
  let cur = new Uint8Array(2 * m + 1);
  let next = new Uint8Array(2 * m + 1);
  cur[0] = 1;
  closure(tokens, cur);
  for (let i = 0; i < path.length; ) {
    const c = path.codePointAt(i)!;
    i += c > 0xffff ? 2 : 1;
    next.fill(0);
    let any = false;
    for (let t = 0; t < m; t++) {
      const tok = tokens[t]!;
      if (cur[2 * t]) {
        if (tok >= 0) {
          if (c === tok) next[2 * t + 2] = 1;
        } else if (tok === T_ANY) {
          if (c !== SLASH) next[2 * t + 2] = 1;
        } else if (tok === T_STAR) {
          if (c !== SLASH) next[2 * t] = 1;
        } else if (tok === T_DOTSTAR) {
          if (c !== NL) next[2 * t] = 1;
        }
      }
      if (tok === T_SEGMENTS && cur[2 * t + 1]) {
        if (c !== NL) next[2 * t + 1] = 1;
        if (c === SLASH) next[2 * t + 2] = 1;
      }
    }
    for (let k = 0; k < next.length; k++) if (next[k]) { any = true; break; }
    if (!any) return false;
    const tmp = cur;
    cur = next;
    next = tmp;
    closure(tokens, cur);
  }
  return cur[2 * m] === 1;
}

/** The same with the state set in one integer (patterns of up to 14 tokens): no allocation. */
function globMatchSmall(tokens: readonly GlobToken[], path: string): boolean {
  const m = tokens.length;
  let cur = closureBits(tokens, 1);
  for (let i = 0; i < path.length; ) {
    const c = path.codePointAt(i)!;
    i += c > 0xffff ? 2 : 1;
    let next = 0;
    for (let t = 0; t < m; t++) {
      const tok = tokens[t]!;
      if (cur & (1 << (2 * t))) {
        if (tok >= 0) {
          if (c === tok) next |= 1 << (2 * t + 2);
        } else if (tok === T_ANY) {
          if (c !== SLASH) next |= 1 << (2 * t + 2);
        } else if (tok === T_STAR) {
          if (c !== SLASH) next |= 1 << (2 * t);
        } else if (tok === T_DOTSTAR) {
          if (c !== NL) next |= 1 << (2 * t);
        }
      }
      if (tok === T_SEGMENTS && cur & (1 << (2 * t + 1))) {
        if (c !== NL) next |= 1 << (2 * t + 1);
        if (c === SLASH) next |= 1 << (2 * t + 2);
      }
    }
    if (next === 0) return false;
    cur = closureBits(tokens, next);
  }
  return (cur & (1 << (2 * m))) !== 0;
}

function closureBits(tokens: readonly GlobToken[], set: number): number {
  for (let t = 0; t < tokens.length; t++) {
    if (!(set & (1 << (2 * t)))) continue;
    const tok = tokens[t]!;
    if (tok === T_STAR || tok === T_DOTSTAR) set |= 1 << (2 * t + 2);
    else if (tok === T_SEGMENTS) set |= (1 << (2 * t + 1)) | (1 << (2 * t + 2));
  }
  return set;
}

function closure(tokens: readonly GlobToken[], set: Uint8Array): void {
  for (let t = 0; t < tokens.length; t++) {
    if (!set[2 * t]) continue;
    const tok = tokens[t]!;
    if (tok === T_STAR || tok === T_DOTSTAR) set[2 * t + 2] = 1;
    else if (tok === T_SEGMENTS) {
      set[2 * t + 1] = 1;
      set[2 * t + 2] = 1;
    }
  }
}

/** Go source of the regexp and the match type, exactly as patternmatcher builds them. */
export function compileSource(pattern: string): { kind: 'exact' | 'prefix' | 'suffix' | 'regexp'; source: string; tokens?: GlobToken[] } {
  let re = '^';
  // the same pattern as NFA tokens, unless it uses `[...]`, `\x` or a raw `^` (left to the regexp)
  let tokens: GlobToken[] | undefined = [];
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
            tokens?.push(T_DOTSTAR);
            kind = 'regexp';
          }
        } else {
          re += '(.*/)?';
          if (tokens && tokens[tokens.length - 1] !== T_SEGMENTS) tokens.push(T_SEGMENTS);
          kind = 'regexp';
        }
        if (i === 0) kind = 'suffix';
      } else {
        re += '[^/]*';
        tokens?.push(T_STAR);
        kind = 'regexp';
      }
    } else if (ch === '?') {
      re += '[^/]';
      tokens?.push(T_ANY);
      kind = 'regexp';
    } else if ('.+()|{}$'.includes(ch)) {
      re += '\\' + ch;
      tokens?.push(ch.codePointAt(0)!);
    } else if (ch === '\\') {
      tokens = undefined;
      if (k < cps.length) {
        re += '\\' + cps[k++]!;
        kind = 'regexp';
      } else {
        re += '\\';
      }
    } else if (ch === '[' || ch === ']') {
      re += ch;
      tokens = undefined;
      kind = 'regexp';
    } else {
      re += ch;
      if (ch === '^') tokens = undefined;
      else tokens?.push(ch.codePointAt(0)!);
    }
  }
  if (kind === 'regexp') re += '$';
  return { kind, source: re, tokens };
}

/** Build the path test; throws GoRegexpError for a pattern Go's regexp.Compile rejects. */
export function compilePattern(pattern: string): PathTest {
  const { kind, source, tokens } = compileSource(pattern);
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
      if (tokens) return (path) => globMatch(tokens, path);
      const program = goProgram(source);
      if (program) return (path) => nfaMatch(program, path);
      const re = goRegExp(source);
      return (path) => re.test(path);
    }
  }
}

export { GoRegexpError };
