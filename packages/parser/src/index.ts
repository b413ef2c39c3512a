export type * from './types.js';
export { ParseError, ExpandError } from './errors.js';
