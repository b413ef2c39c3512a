import type { Instruction, OnbuildInstruction } from '../types.js';
import type { AstNode } from '../ast/node.js';
import type { InstructionRequest } from './request.js';

/** `ONBUILD <instruction>`: the trigger is parsed now (so errors surface early) and kept as source text. */
export function parseOnbuild(req: InstructionRequest, toInstruction: (node: AstNode) => Instruction): OnbuildInstruction {
  req.flags.parse({});
  const sub = req.node.args.find((a): a is { child: AstNode } => 'child' in a);
  if (!sub) return req.fail('E_PARSE', 'ONBUILD requires at least one argument');
  const child = sub.child;
  const trigger = child.cmd.toUpperCase();
  if (trigger === 'ONBUILD') req.fail('E_PARSE', 'Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
  if (trigger === 'MAINTAINER' || trigger === 'FROM') req.fail('E_PARSE', `${trigger} isn't allowed as an ONBUILD trigger`);
  let expression = req.original.replace(/^\s*onbuild\s*/i, '');
  for (const h of req.node.heredocs) expression += `\n${h.content}${h.name}`;
  // heredoc bodies are read for the ONBUILD line as a whole (BuildKit attaches them to the outer node)
  const node: AstNode = { ...child, heredocs: req.node.heredocs, range: req.range };
  return { kind: 'ONBUILD', range: req.range, original: req.original, expression, trigger: toInstruction(node) };
}
