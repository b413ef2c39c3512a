/**
 * Shell patterns of `${v#p}`, `${v%p}`, `${v/p/r}` with BuildKit's semantics
 * (`convertShellPatternToRegex` + Go regexp): `*` any run of characters except newline, `?` one
 * character except newline, `\*` `\?` `\\` literal, `\}` `\/` drop the backslash, any other `\x`
 * is an error. Bracket expressions are NOT supported: `[` and `]` are literal, like every other
 * character.
 *
 * Instead of a backtracking regexp (exponential on `*a*b*c` against long values) this runs the
 * pattern as an NFA, linear in the value length. For globs, Go's leftmost-first choice with all
 * stars greedy is the longest match from the leftmost start, and with all stars lazy the shortest
 * (positions of a later segment can always be exchanged between two matches), so simulating
 * the set of reachable states gives the same answers.
 */

export class PatternError extends Error {}

const T_STAR = -1;
const T_ANY = -2;
const NL = 0x0a;

/** Tokens: a code point (literal), T_ANY or T_STAR. Runs of stars collapse to one. */
export function compileShellPattern(pattern: string): Int32Array {
  const out: number[] = [];
  const cps = Array.from(pattern, (c) => c.codePointAt(0)!);
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    if (c === 0x2a /* * */) {
      if (out[out.length - 1] !== T_STAR) out.push(T_STAR);
    } else if (c === 0x3f /* ? */) {
      out.push(T_ANY);
    } else if (c === 0x5c /* \ */) {
      const n = cps[i + 1];
      if (n === 0x7d /* } */ || n === 0x2f /* / */) continue; // the escape belongs to ${...}
      i++;
      if (n !== 0x2a && n !== 0x3f && n !== 0x5c) {
        throw new PatternError(`invalid escape '\\${n === undefined ? '' : String.fromCodePoint(n)}'`);
      }
      out.push(n);
    } else {
      out.push(c);
    }
  }
  return Int32Array.from(out);
}

/**
 * Find a match in `value` starting at or after `from` (or exactly at `from` when anchored).
 * Leftmost start; from that start the longest end (greedy) or the shortest (lazy).
 * Returns [start, end] in UTF-16 indices, or undefined.
 */
export function findMatch(tokens: Int32Array, value: string, from: number, anchored: boolean, greedy: boolean): [number, number] | undefined {
  const m = tokens.length;
  let cur = new Float64Array(m + 1).fill(-1); // per state: smallest start of a thread there
  let next = new Float64Array(m + 1).fill(-1);
  let bestStart = -1;
  let bestEnd = -1;
  let pos = from;
  for (;;) {
    if (bestStart < 0 && (!anchored || pos === from)) {
      if (cur[0]! < 0) cur[0] = pos;
    }
    // epsilon moves: a star may match nothing
    let alive = false;
    for (let i = 0; i < m; i++) {
      const s = cur[i]!;
      if (s < 0) continue;
      alive = true;
      if (tokens[i] === T_STAR) {
        const t = cur[i + 1]!;
        if (t < 0 || s < t) cur[i + 1] = s;
      }
    }
    const acc = cur[m]!;
    if (acc >= 0) {
      alive = true;
      if (bestStart < 0 || acc < bestStart) {
        bestStart = acc;
        bestEnd = pos;
        if (!greedy && anchored) return [bestStart, bestEnd];
      } else if (acc === bestStart) {
        if (greedy) bestEnd = pos;
      }
    }
    if (pos >= value.length) break;
    if (!alive && (anchored || bestStart >= 0)) break;
    const c = value.codePointAt(pos)!;
    const width = c > 0xffff ? 2 : 1;
    next.fill(-1);
    let any = false;
    for (let i = 0; i < m; i++) {
      const s = cur[i]!;
      if (s < 0) continue;
      if (bestStart >= 0 && s > bestStart) continue; // cannot beat the leftmost match
      const t = tokens[i]!;
      let to = -1;
      if (t === T_STAR) {
        if (c !== NL) to = i;
      } else if (t === T_ANY) {
        if (c !== NL) to = i + 1;
      } else if (t === c) {
        to = i + 1;
      }
      if (to >= 0) {
        const prev = next[to]!;
        if (prev < 0 || s < prev) next[to] = s;
        any = true;
      }
    }
    const tmp = cur;
    cur = next;
    next = tmp;
    pos += width;
    if (!any && bestStart >= 0) break;
    if (!any && anchored) break;
  }
  if (bestStart < 0) return undefined;
  // lazy, unanchored is not used by BuildKit; shortest from the leftmost start would need a second pass
  return [bestStart, bestEnd];
}

function compileOrThrow(pattern: string): Int32Array {
  try {
    return compileShellPattern(pattern);
  } catch (err) {
    throw new PatternError(`invalid pattern (${pattern}) in substitution: ${(err as Error).message}`);
  }
}

/** Reverse a pattern rune-wise but keep `\x` escape pairs in order: `a\*c` → `c\*a`. */
export function reversePattern(pattern: string): string {
  const cps = Array.from(pattern);
  const out: string[] = new Array<string>(cps.length);
  const last = cps.length - 1;
  for (let i = 0; i <= last; ) {
    const c = cps[i]!;
    const at = last - i;
    if (c === '\\' && i !== last) {
      out[at - 1] = c;
      out[at] = cps[i + 1]!;
      i += 2;
    } else {
      out[at] = c;
      i++;
    }
  }
  return out.join('');
}

export function reverseString(s: string): string {
  return Array.from(s).reverse().join('');
}

/** `${v#p}` / `${v##p}`: remove the shortest / longest matching prefix. */
export function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const tokens = compileOrThrow(pattern);
  const m = findMatch(tokens, value, 0, true, greedy);
  return m ? value.slice(m[1]) : value;
}

/** `${v%p}` / `${v%%p}`: reverse both, trim a prefix, reverse back (as BuildKit does). */
export function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  return reverseString(trimPrefix(reversePattern(pattern), reverseString(value), greedy));
}

/** `${v/p/r}` (first match, replacement literal) and `${v//p/r}` (Go ReplaceAllString). */
export function replacePattern(pattern: string, value: string, replacement: string, all: boolean): string {
  const tokens = compileOrThrow(pattern);
  if (!all) {
    const m = findMatch(tokens, value, 0, false, true);
    if (!m) return value;
    return value.slice(0, m[0]) + replacement + value.slice(m[1]);
  }
  return goReplaceAll(tokens, value, replacement);
}

/**
 * Go `Regexp.ReplaceAllString`: successive non-overlapping matches; an empty match right after
 * the previous match is ignored; `$0`/`${0}` in the template is the match, `$$` a dollar, other
 * group references are empty (shell patterns have no groups), a malformed `$` is literal.
 */
function goReplaceAll(tokens: Int32Array, src: string, template: string): string {
  const parts: string[] = [];
  let lastEnd = 0;
  let prevMatchEnd = -1;
  let pos = 0;
  while (pos <= src.length) {
    const m = findMatch(tokens, src, pos, false, true);
    if (!m) break;
    const [start, end] = m;
    if (!(end === start && start === prevMatchEnd)) {
      parts.push(src.slice(lastEnd, start), expandTemplate(template, src.slice(start, end)));
      lastEnd = end;
      prevMatchEnd = end;
    }
    if (end > start) {
      pos = end;
    } else {
      if (start >= src.length) break;
      const cp = src.codePointAt(start)!;
      pos = start + (cp > 0xffff ? 2 : 1);
    }
  }
  parts.push(src.slice(lastEnd));
  return parts.join('');
}

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

function expandTemplate(template: string, match: string): string {
  if (!template.includes('$')) return template;
  let out = '';
  let i = 0;
  while (i < template.length) {
    const d = template.indexOf('$', i);
    if (d < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, d);
    i = d + 1;
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string | undefined;
    if (template[i] === '{') {
      const close = template.indexOf('}', i + 1);
      const inner = close < 0 ? '' : template.slice(i + 1, close);
      if (inner !== '' && Array.from(inner).every((c) => NAME_CHAR.test(c))) {
        name = inner;
        i = close + 1;
      }
    } else {
      let j = i;
      for (const c of template.slice(i)) {
        if (!NAME_CHAR.test(c)) break;
        j += c.length;
      }
      if (j > i) {
        name = template.slice(i, j);
        i = j;
      }
    }
    if (name === undefined) {
      out += '$'; // malformed reference: the dollar is literal
      continue;
    }
    if (name === '0') out += match; // group 0; other numbers and names are empty (no groups)
  }
  return out;
}
