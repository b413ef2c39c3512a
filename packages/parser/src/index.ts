export type * from './types.js';
export { ParseError, ExpandError } from './errors.js';
export { ShellLex } from './expand/lex.js';
export type { ShellLexOptions, ProcessWordResult, EscapeToken } from './expand/lex.js';
