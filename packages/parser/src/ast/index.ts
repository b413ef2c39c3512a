export { parseAst } from './parse-ast.js';
export type { ParseAstOptions } from './parse-ast.js';
export { dumpAst, dumpNode } from './dump.js';
export { parseHeredoc, heredocsFromLine, chompHeredocContent } from './heredoc.js';
export { extractBuilderFlags, splitCommand } from './split-command.js';
export { goQuote } from './go-text.js';
export type { Ast, AstNode, AstArg, AstHeredoc, AstDirectives, AstWarning } from './node.js';
