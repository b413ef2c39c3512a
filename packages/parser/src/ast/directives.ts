import type { AstDirectives } from './node.js';

/**
 * Parser directives (`# syntax=`, `# escape=`, `# check=`): only recognised on the lines at the top of
 * the file; the first line that is not a known directive ends the search (BuildKit `directives`).
 * Matching is hand-written (no regex) so a huge line cannot backtrack.
 */
const known = new Set(['syntax', 'escape', 'check']);
const isDirSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\f' || c === '\r';
const isAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isAlnum = (c: string): boolean => isAlpha(c) || (c >= '0' && c <= '9');

/** `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` → [name, value] or undefined */
export function matchDirective(line: string): [string, string] | undefined {
  if (line[0] !== '#') return undefined;
  let i = 1;
  while (isDirSpace(line[i])) i++;
  const ks = i;
  if (i >= line.length || !isAlpha(line[i]!)) return undefined;
  while (i < line.length && isAlnum(line[i]!)) i++;
  const key = line.slice(ks, i);
  while (isDirSpace(line[i])) i++;
  if (line[i] !== '=') return undefined;
  i++;
  while (isDirSpace(line[i])) i++;
  let end = line.length;
  while (end > i && isDirSpace(line[end - 1])) end--;
  if (end <= i) return undefined;
  return [key, line.slice(i, end)];
}

export class DirectiveState {
  done = false;
  readonly seen = new Set<string>();
  readonly values: AstDirectives = { escape: '\\' };

  /** Feeds one (newline-trimmed) line; throws a plain Error on a bad or repeated directive. */
  feed(line: string): void {
    if (this.done) return;
    const m = matchDirective(line);
    if (!m) {
      this.done = true;
      return;
    }
    const key = m[0].toLowerCase();
    if (!known.has(key)) {
      this.done = true;
      return;
    }
    if (this.seen.has(key)) throw new Error(`only one ${key} parser directive can be used`);
    this.seen.add(key);
    const value = m[1];
    if (key === 'escape') {
      if (value !== '`' && value !== '\\') throw new Error(`invalid escape token '${value}' does not match \` or \\`);
      this.values.escape = value;
    } else if (key === 'syntax') this.values.syntax = value;
    else this.values.check = value;
  }
}
