/** Base of every layerstore error; `code` is stable (E_INTEGRITY, E_NOT_FOUND, E_BAD_ARCHIVE, E_UNSAFE_PATH, E_LOCKED, E_FORMAT, E_TOO_LARGE). */
export class StoreError extends Error {
  readonly code: string;
  readonly data?: Record<string, unknown>;
  constructor(code: string, message: string, data?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
    this.data = data;
  }
}
