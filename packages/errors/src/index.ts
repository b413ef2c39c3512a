export { ERROR_CODES, isErrorCode, type ErrorCode } from './codes.js';
export { TsbuildError, toTsbuildError, type ErrorLocation, type TsbuildErrorOptions } from './tsbuild-error.js';
