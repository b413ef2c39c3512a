import type { ErrorCode } from '@tsbuild/errors';
import { ParseError } from '../errors.js';
import type { AstNode } from '../ast/node.js';
import type { SourceRange } from '../types.js';
import { FlagSet } from './flags.js';

/**
 * What every instruction parser gets: the AST node's argument words (unexpanded), its flags, and a
 * `fail` that throws a located `ParseError` (BuildKit `parseRequest`).
 */
export interface InstructionRequest {
  node: AstNode;
  /** upper-case keyword, for messages */
  name: string;
  /** the node's `Next` values (ONBUILD excluded) */
  args: string[];
  flags: FlagSet;
  range: SourceRange;
  original: string;
  file: string;
  fail(code: ErrorCode, message: string): never;
}

export function newRequest(node: AstNode, file: string): InstructionRequest {
  const range = node.range;
  const fail = (code: ErrorCode, message: string): never => {
    throw new ParseError(code, message, { file, range });
  };
  const args = node.args.flatMap((a) => ('value' in a ? [a.value] : []));
  return { node, name: node.cmd.toUpperCase(), args, flags: new FlagSet(node.flags, fail), range, original: node.original, file, fail };
}

export const errAtLeastOne = (req: InstructionRequest): never => req.fail('E_PARSE', `${req.name} requires at least one argument`);
export const errExactlyOne = (req: InstructionRequest): never => req.fail('E_PARSE', `${req.name} requires exactly one argument`);
