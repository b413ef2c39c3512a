import { chompHeredocContent } from '../ast/heredoc.js';
import type { AstHeredoc, AstNode } from '../ast/node.js';
import type { Heredoc } from '../types.js';

/** Typed heredoc: `content` is chomped for `<<-` (as BuildKit does before use), `rawContent` is not. */
export function toHeredoc(h: AstHeredoc): Heredoc {
  const out: Heredoc = { name: h.name, expand: h.expand, chomp: h.chomp, content: h.chomp ? chompHeredocContent(h.content) : h.content, rawContent: h.content };
  if (h.fileDescriptor !== 0) out.fileDescriptor = h.fileDescriptor;
  return out;
}

export const heredocsOf = (node: AstNode): Heredoc[] => node.heredocs.map(toHeredoc);
