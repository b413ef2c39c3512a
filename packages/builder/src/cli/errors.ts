import { readFileSync } from 'node:fs';
import { TsbuildError } from '@tsbuild/errors';

/** Thrown by command flag parsing (E_USAGE); maps to exit code 2. */
export class UsageError extends TsbuildError {
  constructor(message: string) {
    super('E_USAGE', message);
    this.name = 'UsageError';
  }
}

/** Print an error (with a code frame when it has a location) and return the exit code. */
export function renderError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (err instanceof UsageError) {
    stderr.write(`tsbuild: ${err.message}\nRun 'tsbuild --help' for usage.\n`);
    return 2;
  }
  if (err instanceof TsbuildError && err.code !== 'E_INTERNAL') {
    const loc = err.location;
    const where = loc ? `${loc.file}:${loc.line}:${loc.column}: ` : '';
    stderr.write(`error: ${where}${err.message} [${err.code}]\n`);
    if (loc) stderr.write(codeFrame(loc.file, loc.line, loc.endLine ?? loc.line, loc.column));
    return err.code === 'E_USAGE' ? 2 : 1;
  }
  // E_INTERNAL wraps an error tsbuild did not expect: its stack is what a bug report needs
  const e = (err instanceof TsbuildError && err.cause !== undefined ? err.cause : err) as { stack?: string } | undefined;
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
