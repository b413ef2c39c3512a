export type * from './types.js';
export { ParseError, ExpandError } from './errors.js';
export { ShellLex } from './expand/lex.js';
export type { ShellLexOptions, ProcessWordResult, EscapeToken } from './expand/lex.js';
export { parseAst, dumpAst, parseHeredoc, heredocsFromLine, chompHeredocContent, extractBuilderFlags } from './ast/index.js';
export type { Ast, AstNode, AstArg, AstHeredoc, AstDirectives, AstWarning, ParseAstOptions } from './ast/index.js';
export { readDockerignore, PatternMatcher, matchesOrParentMatches } from './dockerignore/index.js';
export type { IgnorePattern, MatchInfo } from './dockerignore/index.js';
