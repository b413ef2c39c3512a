import { TsbuildError, type ErrorCode } from '@tsbuild/errors';

/**
 * Base of every layerstore error: a {@link TsbuildError} with one of E_INTEGRITY, E_NOT_FOUND,
 * E_BAD_ARCHIVE, E_UNSAFE_PATH, E_LOCKED, E_FORMAT, E_TOO_LARGE, E_TAR_SIZE, E_IO, E_INVALID_REFERENCE, E_REGISTRY,
 * E_REGISTRY_AUTH, E_REGISTRY_NOT_FOUND, E_REGISTRY_UNREACHABLE, E_PLATFORM; details in `data`.
 */
export class StoreError extends TsbuildError {
  constructor(code: ErrorCode, message: string, data?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, { data, ...(options && 'cause' in options ? { cause: options.cause } : {}) });
    this.name = 'StoreError';
  }
}

/** Content did not hash to the digest it was announced under. */
export const integrityError = (message: string, data?: Record<string, unknown>) => new StoreError('E_INTEGRITY', message, data);
export const notFound = (message: string, data?: Record<string, unknown>) => new StoreError('E_NOT_FOUND', message, data);
export const badArchive = (message: string, data?: Record<string, unknown>, cause?: unknown) => new StoreError('E_BAD_ARCHIVE', message, data, { cause });
export const unsafePath = (message: string, data?: Record<string, unknown>) => new StoreError('E_UNSAFE_PATH', message, data);
export const formatError = (message: string, data?: Record<string, unknown>) => new StoreError('E_FORMAT', message, data);
export const tooLarge = (message: string, data?: Record<string, unknown>) => new StoreError('E_TOO_LARGE', message, data);
export const lockedError = (message: string, data?: Record<string, unknown>) => new StoreError('E_LOCKED', message, data);

/** The registry answered with an error (or could not be reached); `data` has host, status and the registry's own codes. */
export const registryError = (code: 'E_REGISTRY' | 'E_REGISTRY_AUTH' | 'E_REGISTRY_NOT_FOUND' | 'E_REGISTRY_UNREACHABLE', message: string, data?: Record<string, unknown>, cause?: unknown) => new StoreError(code, message, data, { cause });
