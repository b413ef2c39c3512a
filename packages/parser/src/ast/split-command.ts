import { splitReWhitespace, trimGoSpace } from './go-text.js';

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
 *
 * BuildKit walks the line byte by byte and turns each byte into a rune, so a non-ASCII character inside a
 * flag becomes its UTF-8 bytes read as Latin-1 (`é` → `Ã©`) and the bytes 0x85/0xA0 count as white space.
 * That is reproduced here on the UTF-8 bytes of the line.
 */
const isByteSpace = (b: number): boolean => b === 0x20 || (b >= 0x09 && b <= 0x0d) || b === 0x85 || b === 0xa0;
const DASH = 0x2d;
const BACKSLASH = 0x5c;

export function extractBuilderFlags(line: string): { rest: string; flags: string[] } {
  // fast path: no flag at the start (same result as the byte walk below)
  let i = 0;
  while (i < line.length && line.charCodeAt(i) < 0x80 && isByteSpace(line.charCodeAt(i))) i++;
  if (!line.startsWith('--', i)) return { rest: i === line.length ? '' : line.slice(i), flags: [] };
  const bytes = Buffer.from(line, 'utf8');
  const restAt = (pos: number): string => bytes.subarray(pos).toString('utf8');
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = -1;
  let blankOK = false;
  const n = bytes.length;
  for (let pos = 0; pos <= n; pos++) {
    const ch = pos < n ? bytes[pos]! : -1;
    if (phase === 'spaces') {
      if (pos === n) break;
      if (isByteSpace(ch)) continue;
      if (ch !== DASH || pos + 1 === n || bytes[pos + 1] !== DASH) return { rest: restAt(pos), flags: words };
      phase = 'word';
    }
    if (pos === n) {
      if (word !== '--' && (blankOK || word.length > 0)) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (isByteSpace(ch)) {
        phase = 'spaces';
        if (word === '--') return { rest: restAt(pos), flags: words };
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === 0x27 || ch === 0x22) {
        quote = ch;
        blankOK = true;
        phase = 'quote';
        continue;
      }
      if (ch === BACKSLASH) {
        if (pos + 1 === n) continue;
        pos++;
        word += String.fromCharCode(bytes[pos]!);
        continue;
      }
      word += String.fromCharCode(ch);
      continue;
    }
    // in quote
    if (ch === quote) {
      phase = 'word';
      continue;
    }
    if (ch === BACKSLASH) {
      if (pos + 1 === n) {
        phase = 'word';
        continue;
      }
      pos++;
      word += String.fromCharCode(bytes[pos]!);
      continue;
    }
    word += String.fromCharCode(ch);
  }
  return { rest: '', flags: words };
}
