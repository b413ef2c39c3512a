import { goQuote, isGoSpace, splitReWhitespace, trimLeftGoSpace } from './go-text.js';

/**
 * Per-instruction argument shapes (BuildKit `line_parsers.go`): each turns the text after the flags into
 * the `Next` chain of the node. Errors are plain `Error`s; `parseAst` attaches the location.
 */
export interface LineResult { args: string[]; json: boolean; /** ONBUILD only */ sub?: string }
export type LineParser = (rest: string, escape: string) => LineResult;

const none: LineResult = { args: [], json: false };

/** Thrown when a JSON array holds something other than strings (never falls back to shell form). */
export class NotStringArrayError extends Error {
  constructor() {
    super('when using JSON array syntax, arrays must be comprised of strings only');
  }
}

/** Quote-aware word split that keeps quotes and escapes in the words (BuildKit `parseWords`). */
export function parseWords(rest: string, escape: string): string[] {
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  let blankOK = false;
  const cps = Array.from(rest);
  const n = cps.length;
  for (let pos = 0; pos <= n; pos++) {
    let ch = pos < n ? cps[pos]! : '';
    if (phase === 'spaces') {
      if (pos === n) break;
      if (isGoSpace(ch.codePointAt(0)!)) continue;
      phase = 'word';
    }
    if (pos === n) {
      if (blankOK || word.length > 0) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (isGoSpace(ch.codePointAt(0)!)) {
        phase = 'spaces';
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
      }
      if (ch === escape) {
        if (pos + 1 === n) continue;
        word += ch;
        pos++;
        ch = cps[pos]!;
      }
      word += ch;
      continue;
    }
    if (ch === quote) phase = 'word';
    if (ch === escape && quote !== "'") {
      if (pos + 1 === n) {
        phase = 'word';
        continue;
      }
      pos++;
      word += ch;
      ch = cps[pos]!;
    }
    word += ch;
  }
  return words;
}

/** `key value sep` triples for ENV / LABEL; legacy `KEY value` has sep "". */
function parseNameVal(rest: string, key: string, escape: string): LineResult {
  const words = parseWords(rest, escape);
  if (words.length === 0) return none;
  if (!words[0]!.includes('=')) {
    const parts = splitReWhitespace(rest, 2);
    if (parts.length < 2) throw new Error(`${key} must have two arguments`);
    return { args: [parts[0]!, parts[1]!, ''], json: false };
  }
  const args: string[] = [];
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq < 0) throw new Error(`Syntax error - can't find = in ${goQuote(w)}. Must be of the form: name=value`);
    args.push(w.slice(0, eq), w.slice(eq + 1), '=');
  }
  return { args, json: false };
}

function parseJSON(rest: string): string[] | undefined {
  const r = trimLeftGoSpace(rest);
  if (!r.startsWith('[')) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(r);
  } catch {
    return undefined;
  }
  if (!Array.isArray(v)) return undefined;
  for (const e of v) if (typeof e !== 'string') throw new NotStringArrayError();
  return v as string[];
}

export const parseIgnore: LineParser = () => ({ args: [''], json: false });
export const parseString: LineParser = (rest) => (rest === '' ? none : { args: [rest], json: false });
export const parseWhitespaceDelimited: LineParser = (rest) => (rest === '' ? none : { args: splitReWhitespace(rest), json: false });
export const parseMaybeJSON: LineParser = (rest) => {
  if (rest === '') return none;
  const j = parseJSON(rest);
  return j ? { args: j, json: true } : { args: [rest], json: false };
};
export const parseMaybeJSONToList: LineParser = (rest, escape) => {
  const j = parseJSON(rest);
  return j ? { args: j, json: true } : parseWhitespaceDelimited(rest, escape);
};
export const parseNameOrNameVal: LineParser = (rest, escape) => ({ args: parseWords(rest, escape), json: false });
export const parseEnv: LineParser = (rest, escape) => parseNameVal(rest, 'ENV', escape);
export const parseLabel: LineParser = (rest, escape) => parseNameVal(rest, 'LABEL', escape);
export const parseHealthConfig: LineParser = (rest, escape) => {
  let sep = 0;
  while (sep < rest.length && !isGoSpace(rest.charCodeAt(sep))) sep++;
  let next = sep;
  while (next < rest.length && isGoSpace(rest.charCodeAt(next))) next++;
  if (sep === 0) return none;
  const cmd = parseMaybeJSON(rest.slice(next), escape);
  return { args: [rest.slice(0, sep), ...cmd.args], json: cmd.json };
};
export const parseSubCommand: LineParser = (rest) => (rest === '' ? none : { args: [], json: false, sub: rest });

/** Dispatch table keyed by lower-cased keyword; unknown keywords use `parseIgnore`. */
export const lineParsers: Record<string, LineParser> = {
  add: parseMaybeJSONToList,
  arg: parseNameOrNameVal,
  cmd: parseMaybeJSON,
  copy: parseMaybeJSONToList,
  entrypoint: parseMaybeJSON,
  env: parseEnv,
  expose: parseWhitespaceDelimited,
  from: parseWhitespaceDelimited,
  healthcheck: parseHealthConfig,
  label: parseLabel,
  maintainer: parseString,
  onbuild: parseSubCommand,
  run: parseMaybeJSON,
  shell: parseMaybeJSON,
  stopsignal: parseString,
  user: parseString,
  volume: parseMaybeJSONToList,
  workdir: parseString,
};
