import { ParseError } from '../errors.js';
import type { Ast } from '../ast/node.js';
import { toInstruction } from '../instructions/to-instruction.js';
import type { ArgInstruction, Dockerfile, Instruction, Stage } from '../types.js';

/**
 * Typed instructions → stages. FROM starts a stage; ARGs before the first FROM are global (visible in
 * FROM lines); anything else before the first FROM is an error, as are duplicate stage names.
 */
export function splitStages(ast: Ast, file: string): Dockerfile {
  return splitInstructions(ast, file).dockerfile;
}

/**
 * splitStages, also returning each AST node's instruction in order (lint reads them with the nodes:
 * parse.ts parseDocument). Nodes are converted one by one, so the first bad one is the error.
 */
export function splitInstructions(ast: Ast, file: string): { dockerfile: Dockerfile; instructions: Instruction[] } {
  const instructions: Instruction[] = [];
  const globalArgs: ArgInstruction[] = [];
  const stages: Stage[] = [];
  const names = new Set<string>();
  for (const node of ast.children) {
    const ins = toInstruction(node, file);
    instructions.push(ins);
    if (ins.kind === 'FROM') {
      if (ins.stageName !== undefined) {
        if (names.has(ins.stageName)) throw new ParseError('E_STAGE', `duplicate stage name "${ins.stageName}"`, { file, range: ins.range });
        names.add(ins.stageName);
      }
      const stage: Stage = { index: stages.length, from: ins, instructions: [], range: { start: ins.range.start, end: ins.range.end } };
      if (ins.stageName !== undefined) stage.name = ins.stageName;
      stages.push(stage);
      continue;
    }
    const current = stages[stages.length - 1];
    if (!current) {
      if (ins.kind === 'ARG') {
        globalArgs.push(ins);
        continue;
      }
      throw new ParseError('E_STAGE', `no build stage in current context (${ins.kind} before the first FROM)`, { file, range: ins.range });
    }
    current.instructions.push(ins);
    current.range.end = ins.range.end;
  }
  if (stages.length === 0) {
    const last = ast.children[ast.children.length - 1]!;
    throw new ParseError('E_STAGE', 'dockerfile contains no stages to build', { file, range: last.range });
  }
  const dockerfile: Dockerfile = {
    file,
    directives: { ...ast.directives },
    globalArgs,
    stages,
    warnings: ast.warnings.map((w) => ({ message: w.message, range: { start: { line: w.line, column: 1 }, end: { line: w.line, column: 1 } }, rule: 'NoEmptyContinuation' })),
  };
  return { dockerfile, instructions };
}
