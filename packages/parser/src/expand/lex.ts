/**
 * Shell word expansion with the semantics of BuildKit's `frontend/dockerfile/shell/lex.go`
 * (`Lex.ProcessWord`, `ProcessWords`, `ProcessWordWithMatches`):
 *
 * - `$NAME`, `${NAME}`, positional (`$1`, `$001`) and special (`$@ $* $# $? $- $$ $! $0`)
 *   parameters are looked up like any name (they are never set in practice);
 * - `${v:-w} ${v-w} ${v:+w} ${v+w} ${v:?m} ${v?m}`, `${v#p} ${v##p} ${v%p} ${v%%p}`,
 *   `${v/p/r} ${v//p/r}`; anything else after the name is an error;
 * - `'…'` is literal, `"…"` expands `$` and lets the escape token escape only `"`, `$` and
 *   itself; outside quotes the escape token escapes any character; a trailing lone escape is dropped.
 *
 * The scanner works on code points (Go runes) and copies runs of ordinary characters in one
 * slice, so the cost is linear in the input size.
 */
import { ExpandError } from '../errors.js';
import type { VarLookup } from '../types.js';
import { PatternError, replacePattern, trimPrefix, trimSuffix } from './pattern.js';
import { WordSplitter } from './words.js';

export type EscapeToken = '\\' | '`';

/** BuildKit's Lex switches; all default to false (what Dockerfile instructions use). */
export interface ShellLexOptions {
  /** keep quote characters in the result */
  rawQuotes?: boolean;
  /** keep escape characters in the result */
  rawEscapes?: boolean;
  /** treat `'` and `"` as ordinary characters */
  skipProcessQuotes?: boolean;
  /** leave references to unset variables as written (`$X`, `${X}`, `${X:-w}`) */
  skipUnsetEnv?: boolean;
}

export interface ProcessWordResult {
  result: string;
  /** the result split into words (ProcessWords) */
  words: string[];
  /** names looked up and found */
  matched: Set<string>;
  /** names looked up and not set */
  unmatched: Set<string>;
}

export class ShellLex {
  readonly escapeToken: EscapeToken;
  readonly options: Readonly<Required<ShellLexOptions>>;

  constructor(escapeToken: EscapeToken = '\\', options: ShellLexOptions = {}) {
    this.escapeToken = escapeToken;
    this.options = {
      rawQuotes: options.rawQuotes ?? false,
      rawEscapes: options.rawEscapes ?? false,
      skipProcessQuotes: options.skipProcessQuotes ?? false,
      skipUnsetEnv: options.skipUnsetEnv ?? false,
    };
  }

  /** Expand variables and remove quotes/escapes (BuildKit `Lex.ProcessWord`). */
  processWord(word: string, env: VarLookup): string {
    return this.process(word, env, false).result;
  }

  /** Expand, then split into words on unquoted white space (BuildKit `Lex.ProcessWords`). */
  processWords(word: string, env: VarLookup): string[] {
    return this.process(word, env, true).words;
  }

  /** Expand and report which variables were found / not found (BuildKit `ProcessWordWithMatches`). */
  processWordWithMatches(word: string, env: VarLookup): { result: string; matched: Set<string>; unmatched: Set<string> } {
    const r = this.process(word, env, false);
    return { result: r.result, matched: r.matched, unmatched: r.unmatched };
  }

  /** Everything at once; `words` is only computed when `splitWords` is true. */
  process(word: string, env: VarLookup, splitWords = true): ProcessWordResult {
    const sw = new ShellWord(word, env, this.escapeToken, this.options, splitWords);
    try {
      const { result, words } = sw.processStopOn(EOF, this.options.rawEscapes);
      return { result, words, matched: sw.matched, unmatched: sw.unmatched };
    } catch (err) {
      if (err instanceof LexError) {
        throw new ExpandError(`failed to process ${quoteForMessage(word)}: ${err.message}`);
      }
      throw err;
    }
  }
}

const EOF = -1;
const CP_DOLLAR = 0x24;
const CP_LBRACE = 0x7b;
const CP_RBRACE = 0x7d;
const CP_COLON = 0x3a;
const CP_SLASH = 0x2f;
const CP_SQUOTE = 0x27;
const CP_DQUOTE = 0x22;
const CP_BOM = 0xfeff;

class LexError extends Error {}

function quoteForMessage(word: string): string {
  return JSON.stringify(word.length > 256 ? word.slice(0, 256) + '…' : word);
}

const LETTER = /\p{L}/u;
const DIGIT = /\p{Nd}/u;

function isDigit(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x30 && cp <= 0x39;
  return DIGIT.test(String.fromCodePoint(cp));
}

function isLetter(cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
  return LETTER.test(String.fromCodePoint(cp));
}

/** POSIX special parameters (`0` is caught by the digit rule first). */
function isSpecialParam(cp: number): boolean {
  switch (cp) {
    case 0x40: // @
    case 0x2a: // *
    case 0x23: // #
    case 0x3f: // ?
    case 0x2d: // -
    case 0x24: // $
    case 0x21: // !
    case 0x30: // 0
      return true;
    default:
      return false;
  }
}

function escapeClassChar(c: string): string {
  return /[\\\]\[^-]/.test(c) ? '\\' + c : c;
}

/** One expansion run: scanner position plus the found/not-found sets. Not reused. */
class ShellWord {
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();
  private pos = 0;
  private rawEscapes: boolean;
  private readonly escCp: number;
  private readonly specialCache = new Map<number, RegExp>();
  private readonly dquoteSpecial: RegExp;

  constructor(
    private readonly src: string,
    private readonly env: VarLookup,
    private readonly escape: EscapeToken,
    private readonly opts: Readonly<Required<ShellLexOptions>>,
    private readonly splitWords: boolean,
  ) {
    this.rawEscapes = opts.rawEscapes;
    this.escCp = escape.codePointAt(0)!;
    // Go's text/scanner ignores a byte order mark at the very start
    if (src.codePointAt(0) === CP_BOM) this.pos = 1;
    this.dquoteSpecial = new RegExp(`["$${escapeClassChar(escape)}]`, 'g');
  }

  private peek(): number {
    return this.pos < this.src.length ? this.src.codePointAt(this.pos)! : EOF;
  }

  private next(): number {
    const cp = this.peek();
    if (cp !== EOF) this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  /** regexp finding the next character processStopOn must look at */
  private specials(stopChar: number): RegExp {
    let re = this.specialCache.get(stopChar);
    if (!re) {
      let cls = '$' + escapeClassChar(this.escape);
      if (!this.opts.skipProcessQuotes) cls += `'"`;
      if (stopChar !== EOF) cls += escapeClassChar(String.fromCodePoint(stopChar));
      re = new RegExp(`[${cls}]`, 'g');
      this.specialCache.set(stopChar, re);
    }
    return re;
  }

  /** Process until `stopChar` (consumed) or the end of the input (stopChar = EOF). */
  processStopOn(stopChar: number, rawEscapes: boolean): { result: string; words: string[] } {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      return this.processStopOnInner(stopChar);
    } finally {
      this.rawEscapes = saved;
    }
  }

  private processStopOnInner(stopChar: number): { result: string; words: string[] } {
    const src = this.src;
    const words = this.splitWords && stopChar === EOF ? new WordSplitter() : undefined;
    const special = this.specials(stopChar);
    let result = '';
    while (this.pos < src.length) {
      special.lastIndex = this.pos;
      const m = special.exec(src);
      const at = m ? m.index : src.length;
      if (at > this.pos) {
        const plain = src.slice(this.pos, at);
        result += plain;
        words?.addSplittable(plain);
        this.pos = at;
        continue;
      }
      const ch = src.charCodeAt(this.pos);
      if (stopChar !== EOF && ch === stopChar) {
        this.pos++;
        return { result, words: words?.finish() ?? [] };
      }
      if (ch === CP_DOLLAR) {
        const tmp = this.processDollar();
        result += tmp;
        words?.addSplittable(tmp);
      } else if (ch === CP_SQUOTE && !this.opts.skipProcessQuotes) {
        const tmp = this.processSingleQuote();
        result += tmp;
        words?.addRaw(tmp);
      } else if (ch === CP_DQUOTE && !this.opts.skipProcessQuotes) {
        const tmp = this.processDoubleQuote();
        result += tmp;
        words?.addRaw(tmp);
      } else {
        // the escape token: escapes the next character, a trailing one is dropped
        this.pos++;
        if (this.rawEscapes) {
          words?.addRaw(this.escape);
          result += this.escape;
        }
        const c = this.next();
        if (c === EOF) break;
        const s = String.fromCodePoint(c);
        words?.addRaw(s);
        result += s;
      }
    }
    if (stopChar !== EOF) {
      throw new LexError(`unexpected end of statement while looking for matching ${String.fromCodePoint(stopChar)}`);
    }
    return { result, words: words?.finish() ?? [] };
  }

  private processSingleQuote(): string {
    this.pos++; // opening '
    const end = this.src.indexOf("'", this.pos);
    if (end < 0) {
      this.pos = this.src.length;
      throw new LexError('unexpected end of statement while looking for matching single-quote');
    }
    const body = this.src.slice(this.pos, end);
    this.pos = end + 1;
    return this.opts.rawQuotes ? `'${body}'` : body;
  }

  private processDoubleQuote(): string {
    const src = this.src;
    this.pos++; // opening "
    let result = this.opts.rawQuotes ? '"' : '';
    const special = this.dquoteSpecial;
    for (;;) {
      special.lastIndex = this.pos;
      const m = special.exec(src);
      if (!m) {
        this.pos = src.length;
        throw new LexError('unexpected end of statement while looking for matching double-quote');
      }
      result += src.slice(this.pos, m.index);
      this.pos = m.index;
      const ch = src.charCodeAt(this.pos);
      if (ch === CP_DQUOTE) {
        this.pos++;
        if (this.opts.rawQuotes) result += '"';
        return result;
      }
      if (ch === CP_DOLLAR) {
        result += this.processDollar();
        continue;
      }
      // escape token: only ", $ and the escape token itself can be escaped inside "…"
      this.pos++;
      if (this.rawEscapes) result += this.escape;
      const p = this.peek();
      if (p === EOF) continue; // reported as a missing double-quote
      if (p === CP_DQUOTE || p === CP_DOLLAR || p === this.escCp) {
        this.pos++;
        result += String.fromCharCode(p);
      } else {
        result += this.escape;
      }
    }
  }

  private processDollar(): string {
    this.pos++; // $
    if (this.peek() !== CP_LBRACE) {
      const name = this.processName();
      if (name === '') return '$';
      const value = this.getEnv(name);
      if (value === undefined && this.opts.skipUnsetEnv) return '$' + name;
      return value ?? '';
    }
    this.pos++; // {
    const first = this.peek();
    if (first === EOF) throw new LexError("syntax error: missing '}'");
    if (first === CP_LBRACE || first === CP_RBRACE || first === CP_COLON) {
      throw new LexError('syntax error: bad substitution');
    }
    const name = this.processName();
    let ch = this.next();
    let chs = ch === EOF ? '\ufffd' : String.fromCodePoint(ch);

    if (ch === CP_RBRACE) {
      const value = this.getEnv(name);
      if (value === undefined && this.opts.skipUnsetEnv) return '${' + name + '}';
      return value ?? '';
    }
    if (ch === CP_SLASH) return this.processReplace(name);

    let nullIsUnset = false;
    if (ch === CP_COLON) {
      nullIsUnset = true;
      ch = this.next();
      chs += ch === EOF ? '\ufffd' : String.fromCodePoint(ch);
      // only -, + and ? take a colon; ${v:#p} ${v:%p} and ${v:=w} are errors
      if (ch !== 0x2d && ch !== 0x2b && ch !== 0x3f) {
        throw new LexError(`unsupported modifier (${chs}) in substitution`);
      }
    }
    const modifier = String.fromCodePoint(Math.max(ch, 0));
    if (!'+-?#%'.includes(modifier) || ch === EOF) {
      throw new LexError(`unsupported modifier (${chs}) in substitution`);
    }
    let word: string;
    try {
      word = this.processStopOn(CP_RBRACE, modifier === '#' || modifier === '%').result;
    } catch (err) {
      if (err instanceof LexError && this.peek() === EOF) throw new LexError("syntax error: missing '}'");
      throw err;
    }
    const found = this.getEnv(name);
    if (found === undefined && this.opts.skipUnsetEnv) return '${' + name + chs + word + '}';
    const set = found !== undefined;
    const value = found ?? '';
    switch (modifier) {
      case '-':
        return !set || (nullIsUnset && value === '') ? word : value;
      case '+':
        return !set || (nullIsUnset && value === '') ? '' : word;
      case '?':
        if (!set) throw new LexError(`${name}: ${word !== '' ? word : 'is not allowed to be unset'}`);
        if (nullIsUnset && value === '') throw new LexError(`${name}: ${word !== '' ? word : 'is not allowed to be empty'}`);
        return value;
      default: {
        // # and % remove the shortest match, ## and %% the longest
        let pattern = word;
        let greedy = false;
        if (pattern.startsWith(modifier)) {
          greedy = true;
          pattern = pattern.slice(1);
        }
        try {
          return modifier === '%' ? trimSuffix(pattern, value, greedy) : trimPrefix(pattern, value, greedy);
        } catch (err) {
          if (err instanceof PatternError) throw new LexError(err.message);
          throw err;
        }
      }
    }
  }

  /** `${name/pattern/replacement}` and `${name//pattern/replacement}`; the first `/` is consumed. */
  private processReplace(name: string): string {
    const all = this.peek() === CP_SLASH;
    if (all) this.pos++;
    let pattern: string;
    try {
      pattern = this.processStopOn(CP_SLASH, true).result;
    } catch (err) {
      if (err instanceof LexError && this.peek() === EOF) throw new LexError("syntax error: missing '/' in ${}");
      throw err;
    }
    let replacement: string;
    try {
      replacement = this.processStopOn(CP_RBRACE, true).result;
    } catch (err) {
      if (err instanceof LexError && this.peek() === EOF) throw new LexError("syntax error: missing '}'");
      throw err;
    }
    const found = this.getEnv(name);
    if (found === undefined && this.opts.skipUnsetEnv) return '${' + name + '/' + pattern + '/' + replacement + '}';
    try {
      return replacePattern(pattern, found ?? '', replacement, all);
    } catch (err) {
      if (err instanceof PatternError) throw new LexError(err.message);
      throw err;
    }
  }

  /** A name: a run of digits, one special parameter character, or letters/digits/underscores. */
  private processName(): string {
    const start = this.pos;
    const first = this.peek();
    if (first === EOF) return '';
    if (isDigit(first)) {
      while (this.pos < this.src.length && isDigit(this.peek())) this.next();
      return this.src.slice(start, this.pos);
    }
    if (isSpecialParam(first)) {
      this.next();
      return String.fromCodePoint(first);
    }
    for (;;) {
      const cp = this.peek();
      if (cp === EOF || !(isLetter(cp) || isDigit(cp) || cp === 0x5f)) break;
      this.next();
    }
    return this.src.slice(start, this.pos);
  }

  private getEnv(name: string): string | undefined {
    const value = this.env.get(name);
    if (value !== undefined) this.matched.add(name);
    else this.unmatched.add(name);
    return value;
  }
}
