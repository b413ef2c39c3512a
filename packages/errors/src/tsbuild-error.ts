import type { ErrorCode } from './codes.js';

/**
 * Where an error is in a file (a Dockerfile, a .dockerignore): the one location shape of every
 * tsbuild error. Lines and columns are 1-based; `endLine`/`endColumn` close the span when known.
 */
export interface ErrorLocation {
  /** the file as the build named it (the Dockerfile path, `Dockerfile` for text given directly) */
  file: string;
  /** 1-based line where the offending text starts */
  line: number;
  /** 1-based column where the offending text starts */
  column: number;
  /** 1-based last line of the offending text, when it spans several */
  endLine?: number | undefined;
  /** 1-based column where the offending text ends, when known */
  endColumn?: number | undefined;
}

/** What a {@link TsbuildError} carries besides its code and message. */
export interface TsbuildErrorOptions {
  /** where in a file the error is, when it is in one */
  location?: ErrorLocation | undefined;
  /** machine-readable details (the path, image, exit code …), documented per code in docs/errors.md */
  data?: Record<string, unknown> | undefined;
  /** the error this one wraps: a lower-level error, or an abort signal's reason for `E_CANCELLED` */
  cause?: unknown;
}

// Marks tsbuild errors across copies of this module (two installs of the package in one process):
// `instanceof TsbuildError` holds for an error from either copy.
const BRAND = Symbol.for('tsbuild.error');

/**
 * Base of every error tsbuild throws to a library user or prints from the CLI. `code` is stable and
 * from {@link ErrorCode}; test and branch on it, never on `message`. Errors from lower layers and
 * platform errors are wrapped, the original kept as `cause`.
 */
export class TsbuildError extends Error {
  /** stable code, e.g. `E_PARSE`, `E_EXEC_FAILED`, `E_CANCELLED` (docs/errors.md lists them all) */
  readonly code: ErrorCode;
  /** where in a file the error is (Dockerfile instruction, .dockerignore line), when it is in one */
  readonly location: ErrorLocation | undefined;
  /** machine-readable details, documented per code */
  readonly data: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options?: TsbuildErrorOptions) {
    super(message, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'TsbuildError';
    this.code = code;
    this.location = options?.location;
    this.data = options?.data;
  }

  /** `JSON.stringify(err)`: name, code, message, location and data (an Error's own fields are not enumerable) */
  toJSON(): { name: string; code: ErrorCode; message: string; location?: ErrorLocation; data?: Record<string, unknown> } {
    return { name: this.name, code: this.code, message: this.message, ...(this.location ? { location: this.location } : {}), ...(this.data ? { data: this.data } : {}) };
  }

  /** `instanceof` also recognizes tsbuild errors made by another copy of this module. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return this === TsbuildError && typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}
Object.defineProperty(TsbuildError.prototype, BRAND, { value: true });

/**
 * `err` as a TsbuildError: itself when it is one; otherwise wrapped (it becomes the `cause`) with
 * `code` — an errno error keeps its message and path in `data`.
 */
export function toTsbuildError(err: unknown, code: ErrorCode = 'E_INTERNAL'): TsbuildError {
  if (err instanceof TsbuildError) return err;
  const e = err as { message?: unknown; code?: unknown; path?: unknown; syscall?: unknown } | null | undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const errno = typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code) ? e.code : undefined;
  const data = errno ? { errno, ...(typeof e?.path === 'string' ? { path: e.path } : {}), ...(typeof e?.syscall === 'string' ? { syscall: e.syscall } : {}) } : undefined;
  return new TsbuildError(errno && code === 'E_INTERNAL' ? 'E_IO' : code, message, { cause: err, data });
}
