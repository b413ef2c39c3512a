import { isGoSpace, splitReWhitespace, trimGoSpace } from './go-text.js';

/**
 * BuildKit `splitCommand`: keyword, leading `--flags`, and the rest of the line.
 */
export interface SplitCommand { keyword: string; flags: string[]; rest: string }

export function splitCommand(line: string): SplitCommand {
  const parts = splitReWhitespace(trimGoSpace(line), 2);
  let flags: string[] = [];
  let rest = '';
  if (parts.length === 2) {
    const r = extractBuilderFlags(parts[1]!);
    rest = r.rest;
    flags = r.flags;
  }
  return { keyword: parts[0]!, flags, rest: trimGoSpace(rest) };
}

/**
 * BuildKit `extractBuilderFlags`: consumes words that start with `--`; quotes in a flag word are removed,
 * `\` escapes the next character (always backslash, independent of the escape directive), and a bare
 * `--` ends flag parsing and is dropped.
 */
export function extractBuilderFlags(line: string): { rest: string; flags: string[] } {
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  let blankOK = false;
  const n = line.length;
  for (let pos = 0; pos <= n; pos++) {
    const ch = pos < n ? line[pos]! : '';
    if (phase === 'spaces') {
      if (pos === n) break;
      if (isGoSpace(line.charCodeAt(pos))) continue;
      if (ch !== '-' || pos + 1 === n || line[pos + 1] !== '-') return { rest: line.slice(pos), flags: words };
      phase = 'word';
    }
    if (pos === n) {
      if (word !== '--' && (blankOK || word.length > 0)) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (isGoSpace(line.charCodeAt(pos))) {
        phase = 'spaces';
        if (word === '--') return { rest: line.slice(pos), flags: words };
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
        continue;
      }
      if (ch === '\\') {
        if (pos + 1 === n) continue;
        pos++;
        word += line[pos];
        continue;
      }
      word += ch;
      continue;
    }
    // in quote
    if (ch === quote) {
      phase = 'word';
      continue;
    }
    if (ch === '\\') {
      if (pos + 1 === n) {
        phase = 'word';
        continue;
      }
      pos++;
      word += line[pos];
      continue;
    }
    word += ch;
  }
  return { rest: '', flags: words };
}
