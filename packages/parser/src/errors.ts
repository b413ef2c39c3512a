import { TsbuildError, type ErrorCode, type ErrorLocation } from '@tsbuild/errors';
import type { SourceRange } from './types.js';

export type { ErrorLocation };

/** Where the parser found a problem: a file and the source range of the offending text. */
export interface ParseSite { file: string; range?: SourceRange | undefined }

/** Location of a parse site, in the one shape every tsbuild error uses. */
export function locationOf(at: ParseSite | undefined): ErrorLocation | undefined {
  if (!at) return undefined;
  if (!at.range) return { file: at.file, line: 1, column: 1 };
  return { file: at.file, line: at.range.start.line, column: at.range.start.column, endLine: at.range.end.line, endColumn: at.range.end.column };
}

/**
 * Base of every error the parser throws: a {@link TsbuildError} with one of E_PARSE (syntax),
 * E_UNKNOWN_INSTRUCTION, E_FLAG (bad/unknown flag), E_JSON (bad exec form), E_HEREDOC
 * (unterminated / bad heredoc), E_EXPAND (word expansion), E_STAGE (stage reference / target),
 * E_EMPTY (no instructions), E_DOCKERIGNORE (bad pattern), and the file/line/column when known.
 */
export class ParseError extends TsbuildError {
  constructor(code: ErrorCode, message: string, at?: ParseSite, options?: { cause?: unknown }) {
    super(code, message, { location: locationOf(at), ...(options && 'cause' in options ? { cause: options.cause } : {}) });
    this.name = 'ParseError';
  }
}

/** A word could not be expanded (`${VAR:?msg}`, bad substitution): code E_EXPAND. */
export class ExpandError extends ParseError {
  constructor(message: string, at?: ParseSite) {
    super('E_EXPAND', message, at);
    this.name = 'ExpandError';
  }
}
