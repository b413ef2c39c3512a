import { readFileSync } from 'node:fs';
import { noSpaceError } from '../errors.js';

/** Thrown by command flag parsing; maps to exit code 2. */
export class UsageError extends Error {
  /** E_USAGE, or E_UNSUPPORTED for a docker flag tsbuild does not honour */
  readonly code: string;
  constructor(message: string, code = 'E_USAGE') {
    super(message);
    this.name = 'UsageError';
    this.code = code;
  }
}

interface Located {
  code?: string;
  message: string;
  location?: { file: string; line?: number; column?: number; range?: { start: { line: number; column: number }; end: { line: number; column: number } } };
}

/** Node's errno codes, said plainly. */
const ERRNO: Record<string, string> = {
  ENOENT: 'no such file or directory', EACCES: 'permission denied', EPERM: 'operation not permitted', ENOSPC: 'no space left on device',
  EROFS: 'read-only file system', EEXIST: 'file exists', ENOTDIR: 'not a directory', EISDIR: 'is a directory', EMFILE: 'too many open files',
};

/**
 * Print an error and return the exit code. Every error is one line `error: [where: ]message [E_CODE]`,
 * then a code frame when it has a location, then `hint: …` when it has one. A stack only with --debug.
 */
export function renderError(err: unknown, stderr: NodeJS.WritableStream = process.stderr, opts: { debug?: boolean; command?: string } = {}): number {
  if (err instanceof UsageError) {
    stderr.write(`tsbuild: ${err.message}${err.code === 'E_USAGE' ? '' : ` [${err.code}]`}\nRun 'tsbuild ${opts.command ? `${opts.command} ` : ''}--help' for usage.\n`);
    return 2;
  }
  const full = noSpaceError(err);
  if (full) err = full;
  const e = err as Located & { stack?: string; data?: { hint?: unknown }; path?: string; syscall?: string };
  if (e && typeof e === 'object' && typeof e.code === 'string' && e.code.startsWith('E_')) {
    const loc = e.location;
    const line = loc?.range?.start.line ?? loc?.line;
    const col = loc?.range?.start.column ?? loc?.column ?? 1;
    const where = loc && line ? `${loc.file}:${line}:${col}: ` : '';
    stderr.write(`error: ${where}${e.message} [${e.code}]\n`);
    if (loc && line) stderr.write(codeFrame(loc.file, line, loc.range?.end.line ?? line, col));
    if (typeof e.data?.hint === 'string') stderr.write(`hint: ${e.data.hint}\n`);
    if (opts.debug && e.stack) stderr.write(`${e.stack}\n`);
    return e.code === 'E_USAGE' ? 2 : 1;
  }
  if (e && typeof e === 'object' && typeof e.code === 'string' && ERRNO[e.code]) {
    // a system call failed outside any typed error: say which file, never a stack
    stderr.write(`error: ${e.path ? `${e.path}: ` : ''}${ERRNO[e.code]}${e.syscall ? ` (${e.syscall})` : ''} [E_IO]\n`);
    if (opts.debug && e.stack) stderr.write(`${e.stack}\n`);
    return 1;
  }
  const message = e instanceof Error ? e.message : String(err);
  stderr.write(`error: internal error: ${message} [E_INTERNAL]\n`);
  stderr.write(opts.debug ? `${e?.stack ?? ''}\n` : `hint: this is a bug in tsbuild; run again with --debug for the stack trace and report it\n`);
  return 1;
}

/**
 * Texts that are not files on disk (a Dockerfile on stdin), by the name errors give them: the code
 * frame shows these, never a file of that name in the current directory.
 */
const SOURCES = new Map<string, string>();
export function registerSource(file: string, text: string): void {
  SOURCES.set(file, text);
}

/** A few lines around the offending one, with a caret under the column. */
export function codeFrame(file: string, line: number, endLine: number, column: number): string {
  let text: string;
  try {
    text = SOURCES.get(file) ?? readFileSync(file, 'utf8');
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
