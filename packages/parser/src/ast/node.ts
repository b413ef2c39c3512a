import type { SourceRange } from '../types.js';

/**
 * The raw AST: BuildKit's `parser.Node` tree, flattened into plain data.
 * BuildKit's node is a Value/Next/Children s-expression; here an instruction is one object whose
 * `args` are the `Next` chain (ONBUILD's only argument is the nested instruction).
 * This shape is private to the parser package (exported only for `dumpAst` and tests).
 */
export interface AstHeredoc {
  name: string;
  fileDescriptor: number;
  expand: boolean;
  chomp: boolean;
  /** raw body lines with their line endings, before chomping */
  content: string;
}

export type AstArg = { value: string } | { child: AstNode };

export interface AstNode {
  /** the keyword as written (`fRoM`) */
  keyword: string;
  /** lower-cased keyword */
  cmd: string;
  /** leading `--flag` words, quotes removed */
  flags: string[];
  args: AstArg[];
  /** the arguments came from a JSON array */
  json: boolean;
  heredocs: AstHeredoc[];
  /** the line after continuations were joined */
  original: string;
  /** comment lines directly above the instruction */
  comments: string[];
  /** 1-based lines (BuildKit StartLine/EndLine); columns: the first non-blank character of the first line, the last character of the last */
  range: SourceRange;
}

export interface AstDirectives {
  syntax?: string;
  escape: '\\' | '`';
  check?: string;
}

export interface AstWarning { message: string; line: number; url?: string }

export interface Ast {
  children: AstNode[];
  startLine: number;
  endLine: number;
  directives: AstDirectives;
  warnings: AstWarning[];
}
