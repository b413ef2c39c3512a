/**
 * Base of builder errors. Stable codes: E_USAGE, E_EXEC_FAILED, E_COPY_SOURCE, E_CONTEXT, E_STAGE, E_CANCELLED, E_PLATFORM, E_MOUNT, E_BENCH,
 * E_ENTITLEMENT, E_INSTRUCTION (an instruction's expanded value is invalid: an EXPOSE port, a STOPSIGNAL signal),
 * E_INVALID_REFERENCE (an image name that is not a reference), E_EMULATION (a foreign platform's RUN cannot run here),
 * E_NOT_REGULAR (a FIFO/device where a file is read), E_TOO_LARGE, E_NUL_BYTE, E_ARG_TOO_LONG, E_NO_SPACE, E_OUTPUT, E_PENDING (cli/pending.ts).
 */
export class BuildError extends Error {
  readonly code: string;
  readonly data?: Record<string, unknown>;
  /** file/line/column of the instruction that failed, when there is one */
  readonly location?: { file: string; line: number; column: number; endLine?: number };
  constructor(code: string, message: string, opts?: { data?: Record<string, unknown>; location?: BuildError['location']; cause?: unknown }) {
    super(message, { cause: opts?.cause });
    this.name = 'BuildError';
    this.code = code;
    this.data = opts?.data;
    this.location = opts?.location;
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
