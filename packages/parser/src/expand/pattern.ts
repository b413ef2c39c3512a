/**
 * Shell patterns of `${v#p}`, `${v%p}`, `${v/p/r}` (BuildKit `convertShellPatternToRegex`):
 * `*` any run of characters except newline (greedy or lazy), `?` one character except newline,
 * `\*` `\?` `\\` literal, `\}` `\/` drop the backslash, any other `\x` is an error. Bracket
 * expressions are NOT supported: `[` and `]` are literal, like every other character.
 *
 * Go's regexp `.` excludes only `\n`, so `[^\n]` is used instead of JS `.`; the `u` flag makes
 * `?` consume one code point like Go consumes one rune.
 */

export class PatternError extends Error {}

/** Compile a shell pattern to a JS RegExp (flags `u` + extra) with Go leftmost-first semantics. */
export function shellPatternToRegExp(pattern: string, greedy: boolean, anchored: boolean, flags = ''): RegExp {
  const star = greedy ? '[^\\n]*' : '[^\\n]*?';
  let out = anchored ? '^' : '';
  const cps = Array.from(pattern);
  let lastWasStar = false;
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    if (c === '*') {
      // `**` matches exactly what `*` matches, with the same leftmost-first choice; collapsing
      // runs of stars avoids exponential backtracking on adversarial patterns.
      if (!lastWasStar) out += star;
      lastWasStar = true;
      continue;
    }
    lastWasStar = false;
    if (c === '?') {
      out += '[^\\n]';
    } else if (c === '\\') {
      const n = cps[i + 1];
      if (n === '}' || n === '/') continue; // the escape belongs to ${...}, not the pattern
      i++;
      if (n !== '*' && n !== '?' && n !== '\\') {
        throw new PatternError(`invalid escape '\\${n ?? ''}'`);
      }
      out += '\\' + n;
    } else {
      out += escapeRegExpChar(c);
    }
  }
  return new RegExp(out, 'u' + flags);
}

const SYNTAX = new Set(['^', '$', '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);

function escapeRegExpChar(c: string): string {
  return SYNTAX.has(c) ? '\\' + c : c;
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
  const re = compileOrThrow(pattern, greedy, true);
  const m = re.exec(value);
  return m ? value.slice(m.index + m[0].length) : value;
}

/** `${v%p}` / `${v%%p}`: reverse both, trim a prefix, reverse back (regexps only search leftmost). */
export function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  return reverseString(trimPrefix(reversePattern(pattern), reverseString(value), greedy));
}

/** `${v/p/r}` (first match, replacement literal) and `${v//p/r}` (Go ReplaceAllString). */
export function replacePattern(pattern: string, value: string, replacement: string, all: boolean): string {
  if (!all) {
    const re = compileOrThrow(pattern, true, false);
    const m = re.exec(value);
    if (!m) return value;
    return value.slice(0, m.index) + replacement + value.slice(m.index + m[0].length);
  }
  const re = compileOrThrow(pattern, true, false, 'g');
  return goReplaceAll(re, value, replacement);
}

function compileOrThrow(pattern: string, greedy: boolean, anchored: boolean, flags = ''): RegExp {
  try {
    return shellPatternToRegExp(pattern, greedy, anchored, flags);
  } catch (err) {
    throw new PatternError(`invalid pattern (${pattern}) in substitution: ${(err as Error).message}`);
  }
}

/**
 * Go `Regexp.ReplaceAllString`: successive non-overlapping matches; an empty match right after
 * the previous match is ignored; `$0`/`${0}` in the template is the match, `$$` a dollar, other
 * group references are empty (shell patterns have no groups), a malformed `$` is literal.
 */
function goReplaceAll(re: RegExp, src: string, template: string): string {
  const parts: string[] = [];
  let lastEnd = 0; // end of text copied so far
  let prevMatchEnd = -1;
  let pos = 0;
  while (pos <= src.length) {
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    if (!(end === start && start === prevMatchEnd)) {
      parts.push(src.slice(lastEnd, start), expandTemplate(template, m[0]));
      lastEnd = end;
      prevMatchEnd = end;
    }
    if (end > start) {
      pos = end;
    } else {
      // advance one code point past an empty match
      const cp = src.codePointAt(start);
      pos = start + (cp !== undefined && cp > 0xffff ? 2 : 1);
      if (start >= src.length) break;
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
