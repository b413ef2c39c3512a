import { TsbuildError, type ErrorCode, type ErrorLocation } from '@tsbuild/errors';

/**
 * Base of builder errors: a {@link TsbuildError} (codes E_USAGE, E_NO_DOCKERFILE, E_CONTEXT,
 * E_IMAGE_NOT_FOUND, E_INVALID_REFERENCE, E_PLATFORM, E_EMULATION, E_RUNTIME, E_EXEC_FAILED, E_MOUNT, E_COPY*,
 * E_INSTRUCTION, E_NOT_REGULAR, E_NO_SPACE, E_CANCELLED … — see docs/errors.md) with the failing
 * instruction's location and the step in `data`.
 */
export class BuildError extends TsbuildError {
  constructor(code: ErrorCode, message: string, opts?: { data?: Record<string, unknown> | undefined; location?: ErrorLocation | undefined; cause?: unknown }) {
    super(code, message, opts);
    this.name = 'BuildError';
  }
}

/**
 * A full disk (or quota) is the user's to fix, not an internal error: E_NO_SPACE naming the path
 * the write failed on (the store root, an output) — wherever in the build it happened.
 */
export function noSpaceError(err: unknown, storeRoot?: string): BuildError | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++, e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      const path = (e as { path?: string; dest?: string }).path ?? (e as { dest?: string }).dest;
      const what = code === 'EDQUOT' ? 'disk quota exceeded' : 'no space left on device';
      const where = storeRoot ? `the store's file system (${storeRoot}) or the output's` : 'the store\'s or the output\'s file system';
      return new BuildError('E_NO_SPACE', `${what}${path ? ` (failed on ${path})` : ''}: free space on ${where}, or use --root on a bigger one`, { data: { path, errno: code }, cause: err });
    }
  }
  return undefined;
}
