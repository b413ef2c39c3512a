import { TsbuildError, type ErrorCode, type ErrorLocation } from '@tsbuild/errors';

/**
 * Base of builder errors: a {@link TsbuildError} (codes E_USAGE, E_NO_DOCKERFILE, E_CONTEXT,
 * E_IMAGE_NOT_FOUND, E_INVALID_REFERENCE, E_PLATFORM, E_RUNTIME, E_EXEC_FAILED, E_MOUNT, E_COPY*, E_INSTRUCTION,
 * E_CANCELLED … — see docs/errors.md) with the failing instruction's location and the step in `data`.
 */
export class BuildError extends TsbuildError {
  constructor(code: ErrorCode, message: string, opts?: { data?: Record<string, unknown> | undefined; location?: ErrorLocation | undefined; cause?: unknown }) {
    super(code, message, opts);
    this.name = 'BuildError';
  }
}
