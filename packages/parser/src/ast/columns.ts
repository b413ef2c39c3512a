import { DockerfileParser } from 'dockerfile-ast';
import type { AstNode } from './node.js';

/**
 * Column information for instruction ranges, taken from `dockerfile-ast` (the language-server parser).
 *
 * Why our own line parser at all: dockerfile-ast is built for editors. It does not reproduce BuildKit's
 * exact semantics that decide what gets built — e.g. it keeps flags and arguments as editor tokens,
 * treats empty continuation lines, trailing `\\` before EOF, JSON fall-back, `<<-` heredoc terminators and
 * directive scanning differently, and has no `Node.Dump()` form to check against BuildKit's golden files.
 * BuildKit's line/heredoc semantics therefore come from `parse-ast.ts`; dockerfile-ast supplies what it is
 * good at — precise keyword/instruction columns — and is used only where it agrees with our line ranges.
 */
/** dockerfile-ast is built for editor-sized files and slows down super-linearly; beyond this we keep our own columns. */
const MAX_TEXT = 512 * 1024;
const MAX_NODES = 5000;

/**
 * Columns on demand: dockerfile-ast costs ~20 ms on a small Dockerfile — more than the rest of a
 * warm build's parse — and columns are only read when something is reported (an error's code
 * frame, a warning). Each range's `column` fields are accessors until the first read anywhere;
 * that read runs `applyColumns` once for the whole file and turns them back into plain data.
 */
export function lazyColumns(text: string, nodes: AstNode[]): void {
  const positions = nodes.flatMap((n) => [n.range.start, n.range.end]);
  let resolved = false;
  const resolve = (): void => {
    if (resolved) return;
    resolved = true;
    for (const { pos, value } of saved) Object.defineProperty(pos, 'column', { value, writable: true, enumerable: true, configurable: true });
    applyColumns(text, nodes);
  };
  const saved = positions.map((pos) => ({ pos, value: pos.column }));
  for (const pos of positions) {
    Object.defineProperty(pos, 'column', {
      enumerable: true,
      configurable: true,
      get() { resolve(); return pos.column; },
      set(v: number) { resolve(); pos.column = v; },
    });
  }
}

export function applyColumns(text: string, nodes: AstNode[]): void {
  if (text.length > MAX_TEXT || nodes.length === 0 || nodes.length > MAX_NODES) return;
  let instructions;
  try {
    instructions = DockerfileParser.parse(text).getInstructions();
  } catch {
    return;
  }
  const byLine = new Map<number, (typeof instructions)[number]>();
  for (const ins of instructions) byLine.set(ins.getRange().start.line + 1, ins);
  for (const node of nodes) {
    const ins = byLine.get(node.range.start.line);
    if (!ins || ins.getKeyword().toLowerCase() !== node.cmd) continue;
    const r = ins.getRange();
    node.range.start.column = r.start.character + 1;
    if (r.end.line + 1 === node.range.end.line) node.range.end.column = Math.max(1, r.end.character);
  }
}
