import type { SourceRange } from './types.js';

export interface ErrorLocation { file: string; range: SourceRange }

/** Base of every error the parser throws. `code` is stable; tests assert it, not the message. */
export class ParseError extends Error {
  readonly code: string;
  readonly location?: ErrorLocation;
  constructor(code: string, message: string, location?: ErrorLocation, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ParseError';
    this.code = code;
    this.location = location;
  }
}

/** Codes: E_PARSE (syntax), E_UNKNOWN_INSTRUCTION, E_FLAG (bad/unknown flag), E_JSON (bad exec form),
 *  E_HEREDOC (unterminated / bad heredoc), E_EXPAND (word expansion), E_STAGE (stage reference / target),
 *  E_EMPTY (no instructions), E_DOCKERIGNORE (bad pattern). */
export class ExpandError extends ParseError {
  constructor(message: string, location?: ErrorLocation) {
    super('E_EXPAND', message, location);
    this.name = 'ExpandError';
  }
}
