import { goQuote, trimGoSpace } from './go-text.js';
import type { Ast, AstNode } from './node.js';

/** BuildKit `Node.Dump()` of one instruction: `cmd ["--flag"] "arg" (nested)`. */
export function dumpNode(node: AstNode): string {
  let s = node.keyword.toLowerCase();
  if (node.flags.length > 0) s += ` [${node.flags.map(goQuote).join(' ')}]`;
  for (const a of node.args) s += ' ' + ('child' in a ? `(${dumpNode(a.child)})` : goQuote(a.value));
  return trimGoSpace(s);
}

/** BuildKit's `AST.Dump()`: one `(…)` line per instruction, without the trailing newline. */
export function dumpAst(ast: Ast): string {
  return trimGoSpace(ast.children.map((c) => `(${dumpNode(c)})\n`).join(''));
}
