import { parseAst } from './ast/parse-ast.js';
import { splitStages } from './stages/split-stages.js';
import type { Dockerfile } from './types.js';

/** Options of {@link parse}. */
export interface ParseOptions {
  /** file name used in error locations (default `Dockerfile`) */
  file?: string | undefined;
}

/**
 * Dockerfile text → `Dockerfile` (directives, global ARGs, stages of typed, unexpanded instructions),
 * with BuildKit's parsing rules. Pure: no I/O.
 * @throws {@link ParseError} (a TsbuildError: E_PARSE, E_UNKNOWN_INSTRUCTION, E_FLAG, E_JSON, E_HEREDOC,
 *   E_STAGE, E_EMPTY) with the file, line and column
 */
export function parse(text: string, opts: ParseOptions = {}): Dockerfile {
  const file = opts.file ?? 'Dockerfile';
  return splitStages(parseAst(text, { file }), file);
}
