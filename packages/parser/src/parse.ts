import { parseAst } from './ast/parse-ast.js';
import { splitStages } from './stages/split-stages.js';
import type { Dockerfile } from './types.js';

export interface ParseOptions {
  /** file name used in error locations (default `Dockerfile`) */
  file?: string;
}

/** Dockerfile text → `Dockerfile` (directives, global ARGs, stages of typed, unexpanded instructions). */
export function parse(text: string, opts: ParseOptions = {}): Dockerfile {
  const file = opts.file ?? 'Dockerfile';
  return splitStages(parseAst(text, { file }), file);
}
