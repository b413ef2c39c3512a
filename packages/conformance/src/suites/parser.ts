/** parser/: BuildKit's parser golden files (AST.Dump()), negative cases and line numbers. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { dumpAst, parseAst, ParseError } from '@tsbuild/parser';
import type { CaseResult, Suite } from '../types.js';

interface LineInfo { StartLine: number; EndLine: number; Children: [number, number][] }

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

async function dumpCase(dir: string, name: string): Promise<CaseResult> {
  const id = `dump ${name}`;
  const [text, expected] = await Promise.all([readFile(join(dir, 'Dockerfile'), 'utf8'), readFile(join(dir, 'result'), 'utf8')]);
  try {
    const got = dumpAst(parseAst(text)) + '\n';
    if (got === expected.replace(/\r\n/g, '\n')) return { id, status: 'passed' };
    const g = got.split('\n');
    const e = expected.split('\n');
    const at = g.findIndex((l, i) => l !== e[i]);
    return { id, status: 'failed', reason: `line ${at + 1}: expected ${JSON.stringify(e[at])}, got ${JSON.stringify(g[at])}` };
  } catch (err) {
    return { id, status: 'failed', reason: `parse failed: ${(err as Error).message}` };
  }
}

async function negativeCase(dir: string, name: string): Promise<CaseResult> {
  const id = `negative ${name}`;
  const text = await readFile(join(dir, 'Dockerfile'), 'utf8');
  try {
    parseAst(text);
    return { id, status: 'failed', reason: 'expected a parse error' };
  } catch (err) {
    if (err instanceof ParseError) return { id, status: 'passed' };
    return { id, status: 'failed', reason: `crashed instead of a ParseError: ${(err as Error).message}` };
  }
}

async function lineInfoCase(dir: string): Promise<CaseResult> {
  const id = 'line-info';
  const [text, expJson] = await Promise.all([readFile(join(dir, 'Dockerfile'), 'utf8'), readFile(join(dir, 'expected.json'), 'utf8')]);
  const exp = JSON.parse(expJson) as LineInfo;
  const ast = parseAst(text);
  const got: LineInfo = {
    StartLine: ast.startLine,
    EndLine: ast.endLine,
    Children: ast.children.map((c) => [c.range.start.line, c.range.end.line]),
  };
  const ok = got.StartLine === exp.StartLine && got.EndLine === exp.EndLine && JSON.stringify(got.Children) === JSON.stringify(exp.Children);
  return ok ? { id, status: 'passed' } : { id, status: 'failed', reason: `expected ${JSON.stringify(exp)}, got ${JSON.stringify(got)}` };
}

export const parser: Suite = {
  name: 'parser',
  async run(corpusDir) {
    const base = join(corpusDir, 'parser');
    const results: CaseResult[] = [];
    for (const name of (await readdir(base)).sort()) {
      const dir = join(base, name);
      if (await exists(join(dir, 'result'))) results.push(await dumpCase(dir, name));
    }
    for (const name of (await readdir(join(base, 'negative'))).sort()) results.push(await negativeCase(join(base, 'negative', name), name));
    results.push(await lineInfoCase(join(base, 'line-info')));
    return results;
  },
};
