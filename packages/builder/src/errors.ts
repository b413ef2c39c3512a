/**
 * Base of builder errors. Stable codes: E_USAGE, E_EXEC_FAILED, E_COPY_SOURCE, E_CONTEXT, E_STAGE, E_CANCELLED, E_PLATFORM, E_MOUNT, E_BENCH,
 * E_ENTITLEMENT, E_INSTRUCTION (an instruction's expanded value is invalid: an EXPOSE port, a STOPSIGNAL signal),
 * E_INVALID_REFERENCE (an image name that is not a reference).
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
