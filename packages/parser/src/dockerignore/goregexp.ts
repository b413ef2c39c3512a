/**
 * Translate the subset of Go RE2 syntax that patternmatcher generates into an equivalent JS
 * RegExp (flag `u`). Patterns pass `[...]` classes and `\x` escapes straight into the Go regexp,
 * so this follows Go's parser for those: `]` first in a class is literal, `[:alpha:]` POSIX
 * classes, `\d\s\w` Perl classes, `\pL`/`\p{Greek}`, octal/hex/`\n`-style escapes, an escaped
 * ASCII punctuation character is itself, other escapes are errors, `lo-hi` with hi < lo is an
 * error. `.` is Go's (anything but `\n`). Classes are emitted as explicit code point ranges.
 * Throws GoRegexpError when Go's regexp.Compile would fail.
 */
import { lit, notCp, oneOf, SEG, starOf, type CharTest, type NfaNode } from './nfa.js';

export class GoRegexpError extends Error {}

type ClassItem = [number, number] | string; // code point range, or a JS `\p{…}` escape

const MAX_CP = 0x10ffff;

const POSIX: Record<string, Array<[number, number]>> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a], [0x5f, 0x5f]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};
const PERL: Record<string, Array<[number, number]>> = {
  d: POSIX.digit!,
  s: [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]],
  w: POSIX.word!,
};

function negate(ranges: Array<[number, number]>): Array<[number, number]> {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= MAX_CP) out.push([next, MAX_CP]);
  return out;
}

function cpEscape(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

function classSource(items: ClassItem[], negated: boolean): string {
  let body = '';
  for (const it of items) {
    if (typeof it === 'string') body += it;
    else body += it[0] === it[1] ? cpEscape(it[0]) : `${cpEscape(it[0])}-${cpEscape(it[1])}`;
  }
  if (body === '') return negated ? '[^]' : '[]';
  return `[${negated ? '^' : ''}${body}]`;
}

/** `\p{Name}` / `\pL` as a JS escape (Go names: categories and scripts; `Any`). */
function unicodeClass(name: string, negated: boolean): ClassItem[] {
  if (name === 'Any') return negated ? [] : [[0, MAX_CP]];
  for (const js of [`\\p{${name}}`, `\\p{Script=${name}}`]) {
    try {
      new RegExp(js, 'u');
      return [negated ? js.replace('\\p{', '\\P{') : js];
    } catch {
      /* try the next spelling */
    }
  }
  throw new GoRegexpError(`invalid character class range: \\p{${name}}`);
}

class Parser {
  i = 0;
  constructor(readonly s: string) {}

  peek(off = 0): string | undefined {
    const cp = this.s.codePointAt(this.i + off);
    return cp === undefined ? undefined : String.fromCodePoint(cp);
  }

  nextCp(): number {
    const cp = this.s.codePointAt(this.i);
    if (cp === undefined) throw new GoRegexpError('trailing backslash at end of expression');
    this.i += cp > 0xffff ? 2 : 1;
    return cp;
  }

  /** Go parseEscape, after the backslash: a single code point. */
  escape(): number {
    const c = this.nextCp();
    const ch = String.fromCodePoint(c);
    if (c < 0x80 && !/[0-9A-Za-z]/.test(ch)) return c;
    if (/[1-7]/.test(ch) && !/[0-7]/.test(this.s[this.i] ?? '')) {
      throw new GoRegexpError(`invalid escape sequence: \\${ch}`);
    }
    if (/[0-7]/.test(ch)) {
      let r = c - 0x30;
      for (let k = 1; k < 3; k++) {
        const d = this.s[this.i];
        if (d === undefined || d < '0' || d > '7') break;
        r = r * 8 + (d.charCodeAt(0) - 0x30);
        this.i++;
      }
      return r;
    }
    switch (ch) {
      case 'a': return 7;
      case 'f': return 12;
      case 'n': return 10;
      case 'r': return 13;
      case 't': return 9;
      case 'v': return 11;
      case 'x': {
        if (this.s[this.i] === '{') {
          const close = this.s.indexOf('}', this.i + 1);
          const hex = close < 0 ? '' : this.s.slice(this.i + 1, close);
          if (!/^[0-9A-Fa-f]+$/.test(hex) || parseInt(hex, 16) > MAX_CP) throw new GoRegexpError('invalid escape sequence: \\x');
          this.i = close + 1;
          return parseInt(hex, 16);
        }
        const hex = this.s.slice(this.i, this.i + 2);
        if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new GoRegexpError('invalid escape sequence: \\x');
        this.i += 2;
        return parseInt(hex, 16);
      }
      default:
        throw new GoRegexpError(`invalid escape sequence: \\${ch}`);
    }
  }

  /** `\d` `\pL` … at this.i (which points at the backslash); undefined if not a class escape. */
  classEscape(): ClassItem[] | undefined {
    const c = this.s[this.i + 1];
    if (c !== undefined && /[dswDSW]/.test(c)) {
      this.i += 2;
      const r = PERL[c.toLowerCase()]!;
      return c === c.toLowerCase() ? r : negate(r);
    }
    if (c === 'p' || c === 'P') {
      let negated = c === 'P';
      this.i += 2;
      let name: string;
      if (this.s[this.i] === '{') {
        const close = this.s.indexOf('}', this.i);
        if (close < 0) throw new GoRegexpError('invalid character class range');
        name = this.s.slice(this.i + 1, close);
        this.i = close + 1;
        if (name.startsWith('^')) {
          negated = !negated;
          name = name.slice(1);
        }
      } else {
        const cp = this.s.codePointAt(this.i);
        if (cp === undefined) throw new GoRegexpError('invalid character class range');
        name = String.fromCodePoint(cp);
        this.i += name.length;
      }
      return unicodeClass(name, negated);
    }
    return undefined;
  }

  /** Go parseClass; this.i at `[`. */
  klass(): string {
    const { items, negated } = this.classItems();
    return classSource(items, negated);
  }

  classItems(): { items: ClassItem[]; negated: boolean } {
    this.i++;
    let negated = false;
    if (this.s[this.i] === '^') {
      negated = true;
      this.i++;
    }
    const items: ClassItem[] = [];
    let first = true;
    while (this.i >= this.s.length || this.s[this.i] !== ']' || first) {
      first = false;
      const rest = this.s.slice(this.i);
      if (rest.length > 2 && rest.startsWith('[:')) {
        const end = rest.indexOf(':]', 2);
        if (end >= 0) {
          let name = rest.slice(2, end);
          let neg = false;
          if (name.startsWith('^')) {
            neg = true;
            name = name.slice(1);
          }
          const r = POSIX[name];
          if (!r) throw new GoRegexpError(`invalid character class range: ${rest.slice(0, end + 2)}`);
          items.push(...(neg ? negate(r) : r));
          this.i += end + 2;
          continue;
        }
      }
      if (this.s[this.i] === '\\') {
        const esc = this.classEscape();
        if (esc) {
          items.push(...esc);
          continue;
        }
      }
      const lo = this.classChar();
      let hi = lo;
      if (this.s[this.i] === '-' && this.i + 1 < this.s.length && this.s[this.i + 1] !== ']') {
        this.i++;
        hi = this.classChar();
        if (hi < lo) throw new GoRegexpError('invalid character class range');
      }
      items.push([lo, hi]);
    }
    this.i++; // ]
    return { items, negated };
  }

  /**
   * The regexp as NFA nodes when it is `^…$` made of single characters, classes, dots, starred
   * atoms and the optional any-chars-then-slash group only (everything patternmatcher generates
   * except raw `^` and assertions);
   * undefined otherwise. Throws GoRegexpError where Go's parser would fail.
   */
  program(): NfaNode[] | undefined {
    const s = this.s;
    if (!s.startsWith('^') || !s.endsWith('$')) return undefined;
    const end = s.length - 1;
    const nodes: NfaNode[] = [];
    this.i = 1;
    while (this.i < end) {
      const ch = s[this.i]!;
      if (s.startsWith('(.*/)?', this.i)) {
        if (nodes[nodes.length - 1]?.kind !== 'seg') nodes.push(SEG);
        this.i += 6;
        continue;
      }
      if (ch === '*') {
        const last = nodes[nodes.length - 1];
        if (!last || last.kind !== 'one') return undefined; // Go rejects it; let the RegExp path report it
        nodes[nodes.length - 1] = starOf(last);
        this.i++;
        continue;
      }
      let node: NfaNode;
      if (ch === '[') {
        const { items, negated } = this.classItems();
        const ranges = items.filter((it): it is [number, number] => typeof it !== 'string');
        if (ranges.length !== items.length) return undefined; // \p{…}: leave to the RegExp
        node = oneOf(rangeTest(ranges, negated));
      } else if (ch === '.') {
        this.i++;
        node = notCp(0x0a);
      } else if (ch === '\\') {
        const n = s[this.i + 1];
        if (n === undefined || 'AzbBQpP'.includes(n)) return undefined;
        const esc = this.classEscape();
        if (esc) {
          node = oneOf(rangeTest(esc as Array<[number, number]>, false));
        } else {
          this.i++;
          node = lit(this.escape());
        }
      } else if ('^$()|+?{}'.includes(ch)) {
        return undefined;
      } else {
        node = lit(this.nextCp());
      }
      nodes.push(node);
    }
    if (this.i !== end) return undefined;
    return nodes;
  }

  classChar(): number {
    if (this.i >= this.s.length) throw new GoRegexpError('missing closing ]');
    if (this.s[this.i] === '\\') {
      this.i++;
      return this.escape();
    }
    return this.nextCp();
  }

  translate(): string {
    let out = '';
    while (this.i < this.s.length) {
      const ch = this.peek()!;
      switch (ch) {
        case '[':
          out += this.klass();
          continue;
        case '\\': {
          const n = this.s[this.i + 1];
          if (n === undefined) throw new GoRegexpError('trailing backslash at end of expression');
          if (n === 'A') { out += '^'; this.i += 2; continue; }
          if (n === 'z') { out += '$'; this.i += 2; continue; }
          if (n === 'b' || n === 'B') {
            out += '\\' + n; // ASCII word boundary in both engines
            this.i += 2;
            continue;
          }
          if (n === 'Q') {
            this.i += 2;
            const end = this.s.indexOf('\\E', this.i);
            const lit = end < 0 ? this.s.slice(this.i) : this.s.slice(this.i, end);
            this.i = end < 0 ? this.s.length : end + 2;
            for (const c of lit) out += cpEscape(c.codePointAt(0)!);
            continue;
          }
          const esc = this.classEscape();
          if (esc) {
            out += classSource(esc, false);
            continue;
          }
          this.i++;
          out += cpEscape(this.escape());
          continue;
        }
        case '.':
          out += '[^\\n]';
          break;
        case '^': case '$': case '(': case ')': case '|': case '*': case '+': case '?':
          out += ch;
          break;
        default:
          out += cpEscape(ch.codePointAt(0)!);
      }
      this.i += ch.length;
    }
    return out;
  }
}

function rangeTest(ranges: Array<[number, number]>, negated: boolean): CharTest {
  if (ranges.length === 1 && ranges[0]![0] === ranges[0]![1]) {
    const only = ranges[0]![0];
    return negated ? (c) => c !== only : (c) => c === only;
  }
  return (c) => {
    let hit = false;
    for (const [lo, hi] of ranges) {
      if (c >= lo && c <= hi) {
        hit = true;
        break;
      }
    }
    return hit !== negated;
  };
}

/** NFA nodes for a Go regexp source, or undefined when it needs the RegExp engine. */
export function goProgram(source: string): NfaNode[] | undefined {
  return new Parser(source).program();
}

/** Compile a Go regexp source (as generated by patternmatcher) into a JS RegExp. */
export function goRegExp(source: string): RegExp {
  let js = new Parser(source).translate();
  // consecutive `**/` groups match the same language as one; avoid exponential backtracking
  js = js.replace(/(?:\(\[\^\\n\]\*\\u\{2f\}\)\?){2,}/g, '([^\\n]*\\u{2f})?');
  try {
    return new RegExp(js, 'u');
  } catch (err) {
    throw new GoRegexpError((err as Error).message);
  }
}
