import type { AstHeredoc } from './node.js';
import { isGoSpace } from './go-text.js';

/**
 * Heredoc words (`<<EOF`, `<<-EOF`, `3<<"EOF"`) and the words of an instruction line.
 * BuildKit runs its shell lexer here with fixed options (backslash escape, unset variables kept as
 * written, optionally raw quotes/escapes). Only word splitting and quote handling matter for heredoc
 * names, so this module has its own small splitter rather than the full expansion lexer.
 */
interface SplitOpts { rawQuotes: boolean; rawEscapes: boolean }

const isSplitSpace = (c: string): boolean => isGoSpace(c.codePointAt(0)!);

/** Splits `src` into shell words; throws on an unterminated quote. `$` is kept literally. */
export function shellWords(src: string, opts: SplitOpts): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  const cps = Array.from(src);
  for (let i = 0; i < cps.length; i++) {
    const ch = cps[i]!;
    if (ch === "'") {
      inWord = true;
      if (opts.rawQuotes) word += ch;
      i++;
      while (i < cps.length && cps[i] !== "'") word += cps[i++];
      if (i >= cps.length) throw new Error('unexpected end of statement while looking for matching single-quote');
      if (opts.rawQuotes) word += "'";
      continue;
    }
    if (ch === '"') {
      inWord = true;
      if (opts.rawQuotes) word += ch;
      i++;
      for (; i < cps.length && cps[i] !== '"'; i++) {
        const c = cps[i]!;
        if (c === '\\' && i + 1 < cps.length) {
          const nx = cps[i + 1]!;
          if (nx === '"' || nx === '$' || nx === '\\') {
            if (opts.rawEscapes) word += c;
            word += nx;
            i++;
            continue;
          }
        }
        word += c;
      }
      if (i >= cps.length) throw new Error('unexpected end of statement while looking for matching double-quote');
      if (opts.rawQuotes) word += '"';
      continue;
    }
    if (ch === '\\') {
      if (opts.rawEscapes) word += ch;
      i++;
      if (i >= cps.length) break;
      word += cps[i];
      inWord = true;
      continue;
    }
    if (isSplitSpace(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    word += ch;
    inWord = true;
  }
  if (inWord) words.push(word);
  return words;
}

/** `^(\d*)<<(-?)([^<]*)$` without a regex engine (inputs can be long). */
function matchHeredoc(src: string): { fd: string; chomp: boolean; rest: string } | undefined {
  let i = 0;
  while (i < src.length && src[i]! >= '0' && src[i]! <= '9') i++;
  const fd = src.slice(0, i);
  if (src[i] !== '<' || src[i + 1] !== '<') return undefined;
  i += 2;
  let chomp = false;
  if (src[i] === '-') {
    chomp = true;
    i++;
  }
  const rest = src.slice(i);
  if (rest.includes('<')) {
    // `-?` is optional: BuildKit's regex would retry with the `-` inside rest; the `<` check is the same
    return undefined;
  }
  return { fd, chomp, rest };
}

/**
 * BuildKit `ParseHeredoc`: the heredoc described by one word, `undefined` when the word is not a heredoc,
 * throws on a malformed one (unterminated quote). `expand` is false when any part of the name was quoted.
 */
export function parseHeredoc(src: string): Omit<AstHeredoc, 'content'> | undefined {
  const m = matchHeredoc(src);
  if (!m || m.rest.length === 0) return undefined;
  const words = shellWords(m.rest, { rawQuotes: false, rawEscapes: false });
  if (words.length !== 1) return undefined;
  const raw = shellWords(m.rest, { rawQuotes: true, rawEscapes: false });
  if (raw.length !== words.length) throw new Error(`internal lexing of heredoc produced inconsistent results: ${m.rest}`);
  const count = (s: string): number => {
    let n = 0;
    for (const c of s) if (c === "'" || c === '"') n++;
    return n;
  };
  const word = words[0]!;
  return {
    name: word,
    fileDescriptor: m.fd === '' ? 0 : Number.parseInt(m.fd, 10),
    expand: count(word) === count(raw[0]!),
    chomp: m.chomp,
  };
}

const bareOperator = /^\d*<<-?$/;

/**
 * Heredocs announced on an instruction line, in order. A lone `<<`/`<<-` word takes the following word as
 * its name (`RUN << EOF`), as current BuildKit does.
 */
export function heredocsFromLine(line: string): Omit<AstHeredoc, 'content'>[] {
  if (!line.includes('<<')) return []; // every heredoc word contains `<<`
  let words: string[];
  try {
    words = shellWords(line, { rawQuotes: true, rawEscapes: true });
  } catch {
    return [];
  }
  const docs: Omit<AstHeredoc, 'content'>[] = [];
  for (let i = 0; i < words.length; i++) {
    let w = words[i]!;
    if (bareOperator.test(w) && i + 1 < words.length) {
      w = `${w} ${words[i + 1]}`;
      i++;
    }
    const h = parseHeredoc(w);
    if (h) docs.push(h);
  }
  return docs;
}

/** BuildKit `ChompHeredocContent`: removes leading tabs of every line. */
export function chompHeredocContent(src: string): string {
  return src.replace(/^\t+/gm, '');
}
