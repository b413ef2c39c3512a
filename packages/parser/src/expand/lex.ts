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
import { isSpaceCode, Out } from './out.js';

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
      if (err instanceof RangeError) {
        // thousands of nested ${a:-${b:-…}} exhaust the JS stack (Go's stack would grow)
        throw new ExpandError(`failed to process ${quoteForMessage(word)}: substitutions nested too deeply`);
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

/** One expansion run: scanner position plus the found/not-found sets. Not reused. */
class ShellWord {
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();
  private pos = 0;
  private rawEscapes: boolean;
  private readonly escCp: number;

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
  }

  private peek(): number {
    return this.pos < this.src.length ? this.src.codePointAt(this.pos)! : EOF;
  }

  private next(): number {
    const cp = this.peek();
    if (cp !== EOF) this.pos += cp > 0xffff ? 2 : 1;
    return cp;
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

  /**
   * Ordinary characters are copied as runs: `run` marks the start of pending source text that
   * goes to the result verbatim; an escaped character simply starts the next run (escaped white
   * space is appended on its own so that it does not split words).
   */
  private processStopOnInner(stopChar: number): { result: string; words: string[] } {
    const src = this.src;
    const len = src.length;
    const esc = this.escCp;
    const quotes = !this.opts.skipProcessQuotes;
    const wantWords = this.splitWords && stopChar === EOF;
    const out = new Out(wantWords);
    const done = () => ({ result: out.text(), words: wantWords ? out.words() : [] });
    let run = this.pos;
    let i = this.pos;
    while (i < len) {
      const c = src.charCodeAt(i);
      if (c === stopChar) {
        out.appendSlice(src, run, i, true);
        this.pos = i + 1;
        return done();
      }
      if (c === CP_DOLLAR) {
        out.appendSlice(src, run, i, true);
        this.pos = i;
        out.append(this.processDollar(), true);
        i = run = this.pos;
        continue;
      }
      if (quotes && (c === CP_SQUOTE || c === CP_DQUOTE)) {
        out.appendSlice(src, run, i, true);
        this.pos = i;
        out.append(c === CP_SQUOTE ? this.processSingleQuote() : this.processDoubleQuote(), false);
        i = run = this.pos;
        continue;
      }
      if (c === esc) {
        // the escape token escapes the next character; a trailing one is dropped
        out.appendSlice(src, run, i, true);
        if (i + 1 >= len) {
          if (this.rawEscapes) out.appendSlice(src, i, len, false);
          i = run = len;
          break;
        }
        run = this.rawEscapes ? i : i + 1;
        const cp = src.codePointAt(i + 1)!;
        const after = i + 1 + (cp > 0xffff ? 2 : 1);
        if (wantWords && isSpaceCode(cp)) {
          out.appendSlice(src, run, after, false); // escaped white space belongs to the word
          run = after;
        }
        i = after;
        continue;
      }
      i++;
    }
    out.appendSlice(src, run, i, true);
    this.pos = i;
    if (stopChar !== EOF) {
      throw new LexError(`unexpected end of statement while looking for matching ${String.fromCodePoint(stopChar)}`);
    }
    return done();
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
    const len = src.length;
    const esc = this.escCp;
    this.pos++; // opening "
    const out = new Out(false);
    if (this.opts.rawQuotes) out.append('"', false);
    let run = this.pos;
    let i = this.pos;
    for (;;) {
      if (i >= len) {
        this.pos = len;
        throw new LexError('unexpected end of statement while looking for matching double-quote');
      }
      const c = src.charCodeAt(i);
      if (c === CP_DQUOTE) {
        out.appendSlice(src, run, i, false);
        this.pos = i + 1;
        if (this.opts.rawQuotes) out.append('"', false);
        return out.text();
      }
      if (c === CP_DOLLAR) {
        out.appendSlice(src, run, i, false);
        this.pos = i;
        out.append(this.processDollar(), false);
        i = run = this.pos;
        continue;
      }
      if (c === esc) {
        // inside "…" only ", $ and the escape token itself can be escaped
        if (i + 1 >= len) {
          i = len; // reported as a missing double-quote
          continue;
        }
        const n = src.charCodeAt(i + 1);
        if (n === CP_DQUOTE || n === CP_DOLLAR || n === esc) {
          if (!this.rawEscapes) {
            out.appendSlice(src, run, i, false);
            run = i + 1;
          }
          i += 2;
        } else {
          // the escape stays literal (twice with raw escapes); the next character is ordinary
          if (this.rawEscapes) {
            out.appendSlice(src, run, i + 1, false);
            out.append(this.escape, false);
            run = i + 1;
          }
          i += 1;
        }
        continue;
      }
      i++;
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
