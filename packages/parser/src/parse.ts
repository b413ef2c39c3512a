import { parseAst } from './ast/parse-ast.js';
import type { Ast } from './ast/node.js';
import { splitInstructions, splitStages } from './stages/split-stages.js';
import type { Dockerfile, Instruction } from './types.js';

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

/**
 * A Dockerfile parsed once for everything that reads it: the build's stages, and the raw nodes with
 * their instructions that {@link lint} checks (a build parses once, then plans each platform and
 * lints from this). Nothing in it is changed by its readers.
 */
export interface ParsedDockerfile {
  /** the raw AST (lint reads keyword casing, comments and FROM's words from it) */
  ast: Ast;
  /** the typed instruction of each of `ast.children`, in order */
  instructions: readonly Instruction[];
  /** what {@link parse} returns */
  dockerfile: Dockerfile;
}

/**
 * {@link parse}, keeping the raw AST and each node's instruction for {@link lint}. Pure: no I/O.
 * @throws {@link ParseError} as parse does
 */
export function parseDocument(text: string, opts: ParseOptions = {}): ParsedDockerfile {
  const file = opts.file ?? 'Dockerfile';
  const ast = parseAst(text, { file });
  return { ast, ...splitInstructions(ast, file) };
}
