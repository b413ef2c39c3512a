/**
 * Every code a tsbuild error can carry. The list is the contract: a code is added here (and to
 * docs/errors.md) before anything throws it; test/errors/codes.test.ts checks that the sources,
 * this list and the docs agree. Codes never change meaning; tests assert codes, never messages.
 */
export const ERROR_CODES = [
  // parser (@tsbuild/parser): the Dockerfile and .dockerignore text
  'E_PARSE',
  'E_UNKNOWN_INSTRUCTION',
  'E_FLAG',
  'E_JSON',
  'E_HEREDOC',
  'E_EXPAND',
  'E_STAGE',
  'E_EMPTY',
  'E_DOCKERIGNORE',
  'E_CHECK_DIRECTIVE',
  // layerstore (@tsbuild/layerstore): the content-addressed store, archives
  'E_INTEGRITY',
  'E_NOT_FOUND',
  'E_BAD_ARCHIVE',
  'E_UNSAFE_PATH',
  'E_LOCKED',
  'E_FORMAT',
  'E_TOO_LARGE',
  'E_TAR_SIZE',
  'E_IO',
  'E_INVALID_REFERENCE',
  'E_REGISTRY',
  'E_REGISTRY_AUTH',
  'E_REGISTRY_NOT_FOUND',
  'E_REGISTRY_UNREACHABLE',
  // builder (@tsbuild/builder): solving and running a build
  'E_USAGE',
  'E_UNSUPPORTED',
  'E_OUTPUT',
  'E_LINT',
  'E_NO_DOCKERFILE',
  'E_CONTEXT',
  'E_IMAGE_NOT_FOUND',
  'E_PLATFORM',
  'E_EMULATION',
  'E_RUNTIME',
  'E_INSTRUCTION',
  'E_NOT_REGULAR',
  'E_NUL_BYTE',
  'E_ARG_TOO_LONG',
  'E_NO_SPACE',
  'E_ENTITLEMENT',
  'E_ROOTLESS',
  'E_EXEC_FAILED',
  'E_MOUNT',
  'E_COPY',
  'E_COPY_SOURCE',
  'E_CHECKSUM',
  'E_CHMOD',
  'E_USER',
  'E_FETCH',
  'E_CACHE_IMPORT',
  'E_CANCELLED',
  'E_BENCH',
  'E_PENDING',
  'E_INTERNAL',
] as const;

/** A stable tsbuild error code (see docs/errors.md for what each means and the `data` it carries). */
export type ErrorCode = (typeof ERROR_CODES)[number];

const KNOWN: ReadonlySet<string> = new Set(ERROR_CODES);

/** True when `code` is one of tsbuild's error codes. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && KNOWN.has(code);
}
