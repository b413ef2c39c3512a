/**
 * Go string helpers the BuildKit parser relies on, reproduced exactly:
 * `unicode.IsSpace`, `strings.TrimSpace`, `strconv.Quote` (used by `Node.Dump()`).
 */

/** Go `unicode.IsSpace` for one UTF-16 code unit / code point. */
export function isGoSpace(c: number): boolean {
  if (c <= 0xff) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
  return c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

export function trimLeftGoSpace(s: string): string {
  let i = 0;
  while (i < s.length && isGoSpace(s.charCodeAt(i))) i++;
  return i === 0 ? s : s.slice(i);
}

export function trimRightGoSpace(s: string): string {
  let j = s.length;
  while (j > 0 && isGoSpace(s.charCodeAt(j - 1))) j--;
  return j === s.length ? s : s.slice(0, j);
}

/** Go `strings.TrimSpace`. */
export function trimGoSpace(s: string): string {
  return trimRightGoSpace(trimLeftGoSpace(s));
}

/** Go `reWhitespace = [\t\v\f\r ]+` used for splitting FROM/EXPOSE arguments. */
export function isReWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c || c === 0x0d;
}

/** Go `regexp.Split(s, n)` with `[\t\v\f\r ]+`; n = -1 for all, 2 for first split only. */
export function splitReWhitespace(s: string, n = -1): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  while (i < s.length) {
    if (n > 0 && out.length === n - 1) break;
    if (isReWhitespace(s.charCodeAt(i))) {
      let j = i;
      while (j < s.length && isReWhitespace(s.charCodeAt(j))) j++;
      out.push(s.slice(start, i));
      start = j;
      i = j;
    } else i++;
  }
  out.push(s.slice(start));
  return out;
}

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/** Go `strconv.Quote`: short escapes, `\xNN` for control bytes, `\uXXXX` for non-printable runes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x20 || (c > 0x20 && c < 0x7f)) out += ch;
    else if (c === 0x07) out += '\\a';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0b) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + hex(c, 2);
    else if (c >= 0xd800 && c <= 0xdfff) out += '\ufffd'; // lone surrogate: not valid text; shown as U+FFFD like a decoded invalid byte
    else if (printable.test(ch)) out += ch;
    else if (c < 0x10000) out += '\\u' + hex(c, 4);
    else out += '\\U' + hex(c, 8);
  }
  return out + '"';
}
