import { readFileSync } from 'node:fs';
import { noSpaceError } from '../errors.js';

/** Thrown by command flag parsing; maps to exit code 2. */
export class UsageError extends Error {
  readonly code = 'E_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

interface Located {
  code?: string;
  message: string;
  location?: { file: string; line?: number; column?: number; range?: { start: { line: number; column: number }; end: { line: number; column: number } } };
}

/** Print an error (with a code frame when it has a location) and return the exit code. */
export function renderError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (err instanceof UsageError) {
    stderr.write(`tsbuild: ${err.message}\nRun 'tsbuild --help' for usage.\n`);
    return 2;
  }
  const full = noSpaceError(err);
  if (full) err = full;
  const e = err as Located & { stack?: string };
  if (e && typeof e === 'object' && typeof e.code === 'string' && e.code.startsWith('E_')) {
    const loc = e.location;
    const line = loc?.range?.start.line ?? loc?.line;
    const col = loc?.range?.start.column ?? loc?.column ?? 1;
    const where = loc && line ? `${loc.file}:${line}:${col}: ` : '';
    stderr.write(`error: ${where}${e.message} [${e.code}]\n`);
    if (loc && line) stderr.write(codeFrame(loc.file, line, loc.range?.end.line ?? line, col));
    return e.code === 'E_USAGE' ? 2 : 1;
  }
  stderr.write(`tsbuild: internal error: ${e?.stack ?? String(err)}\n`);
  return 1;
}

/** A few lines around the offending one, with a caret under the column. */
export function codeFrame(file: string, line: number, endLine: number, column: number): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return '';
  }
  const lines = text.split('\n');
  const from = Math.max(1, line - 2);
  const to = Math.min(lines.length, Math.max(endLine, line) + 1);
  const width = String(to).length;
  let out = '';
  for (let n = from; n <= to; n++) {
    const mark = n >= line && n <= endLine ? '>' : ' ';
    const src = (lines[n - 1] ?? '').slice(0, 200);
    out += ` ${mark} ${String(n).padStart(width)} | ${src}\n`;
    if (n === line) out += `   ${' '.repeat(width)} | ${' '.repeat(Math.max(0, column - 1))}^\n`;
  }
  return out;
}
