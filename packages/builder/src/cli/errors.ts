import { TsbuildError } from '@tsbuild/errors';
import { noSpaceError } from '../errors.js';
import { readRegularFileSync } from '../io/readRegular.js';
import { MAX_DOCKERFILE_BYTES } from '../plan/readDockerfile.js';

/** Thrown by command flag parsing; maps to exit code 2. */
export class UsageError extends TsbuildError {
  /** E_USAGE, or E_UNSUPPORTED for a docker flag tsbuild does not honour */
  constructor(message: string, code: 'E_USAGE' | 'E_UNSUPPORTED' = 'E_USAGE') {
    super(code, message);
    this.name = 'UsageError';
  }
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
  // E_INTERNAL and E_IO made by toTsbuildError wrap an error tsbuild did not type itself: say it as that error
  const wrapped = err instanceof TsbuildError && err.cause !== undefined && !(err.cause instanceof TsbuildError) && (err.code === 'E_INTERNAL' || err.code === 'E_IO')
    ? err.cause
    : undefined;
  if (err instanceof TsbuildError && wrapped === undefined) {
    const loc = err.location;
    const where = loc ? `${loc.file}:${loc.line}:${loc.column}: ` : '';
    stderr.write(`error: ${where}${err.message} [${err.code}]\n`);
    if (loc) stderr.write(codeFrame(loc.file, loc.line, loc.endLine ?? loc.line, loc.column));
    if (typeof err.data?.hint === 'string') stderr.write(`hint: ${err.data.hint}\n`);
    if (opts.debug && err.stack) stderr.write(`${err.stack}\n`);
    return err.code === 'E_USAGE' ? 2 : 1;
  }
  const e = (wrapped ?? err) as { code?: unknown; path?: string; syscall?: string; stack?: string; message?: string } | undefined;
  if (e && typeof e === 'object' && typeof e.code === 'string' && ERRNO[e.code]) {
    // a system call failed outside any typed error: say which file, never a stack
    stderr.write(`error: ${e.path ? `${e.path}: ` : ''}${ERRNO[e.code]}${e.syscall ? ` (${e.syscall})` : ''} [E_IO]\n`);
    if (opts.debug && e.stack) stderr.write(`${e.stack}\n`);
    return 1;
  }
  if (err instanceof TsbuildError && err.code === 'E_IO') {
    stderr.write(`error: ${err.message} [E_IO]\n`);
    if (opts.debug && e?.stack) stderr.write(`${e.stack}\n`);
    return 1;
  }
  const message = e instanceof Error ? e.message : String(wrapped ?? err);
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
    // a regular file only (readRegular.ts): `-f <(…)` is a FIFO whose text the build has read
    // already, and opening it again waited for a writer forever, deaf to SIGTERM
    text = SOURCES.get(file) ?? readRegularFileSync(file, { what: 'the Dockerfile', max: MAX_DOCKERFILE_BYTES }).toString('utf8');
  } catch {
    return '';
  }
  // shown as the parser counts lines and columns: without a BOM, CRLF as one line end
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
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
