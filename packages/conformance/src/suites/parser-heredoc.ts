/** parser-heredoc.json: BuildKit parser_heredoc_test.go (heredoc extraction, helpers, chomping). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chompHeredocContent, heredocsFromLine, parseAst, parseHeredoc } from '@tsbuild/parser';
import type { AstHeredoc } from '@tsbuild/parser';
import type { CaseResult, Suite } from '../types.js';

interface HeredocCorpus {
  parseExtractsHeredoc: { dockerfile: string; heredocsByChild: (AstHeredoc[] | null)[] };
  parseJSONHeredoc: { dockerfile: string };
  parseHeredocHelpers: { valid_nameIsEOF: string[]; invalid_error: string[]; notHeredoc_nil: string[] };
  heredocsFromLine: { cases: { line: string; heredocNames: string[] | null }[] };
  chomp: { input: string; expected: string };
}

const check = (id: string, ok: boolean, reason: () => string): CaseResult => (ok ? { id, status: 'passed' } : { id, status: 'failed', reason: reason() });

function guard(id: string, fn: () => CaseResult): CaseResult {
  try {
    return fn();
  } catch (err) {
    return { id, status: 'failed', reason: `threw: ${(err as Error).message}` };
  }
}

export const parserHeredoc: Suite = {
  name: 'parser-heredoc',
  async run(corpusDir) {
    const c = JSON.parse(await readFile(join(corpusDir, 'parser-heredoc.json'), 'utf8')) as HeredocCorpus;
    const results: CaseResult[] = [];

    const ex = c.parseExtractsHeredoc;
    let children: ReturnType<typeof parseAst>['children'] = [];
    try {
      children = parseAst(ex.dockerfile).children;
    } catch (err) {
      results.push({ id: 'parseExtractsHeredoc', status: 'failed', reason: `parse failed: ${(err as Error).message}` });
    }
    if (children.length) {
      results.push(check('parseExtractsHeredoc children', children.length === ex.heredocsByChild.length, () => `expected ${ex.heredocsByChild.length} children, got ${children.length}`));
      ex.heredocsByChild.forEach((expected, i) => {
        if (i === 0) return; // FROM, not checked upstream
        const got = children[i]?.heredocs ?? [];
        const norm = got.length ? got.map((h) => ({ name: h.name, fileDescriptor: h.fileDescriptor, expand: h.expand, chomp: h.chomp, content: h.content })) : null;
        results.push(check(`parseExtractsHeredoc child ${i}`, JSON.stringify(norm) === JSON.stringify(expected), () => `expected ${JSON.stringify(expected)}, got ${JSON.stringify(norm)}`));
      });
    }

    results.push(guard('parseJSONHeredoc', () => {
      const kids = parseAst(c.parseJSONHeredoc.dockerfile).children;
      const bad = [1, 2, 3].filter((i) => !kids[i] || kids[i]!.heredocs.length > 0);
      return check('parseJSONHeredoc', bad.length === 0, () => `children with heredocs or missing: ${bad.join(',')}`);
    }));

    const h = c.parseHeredocHelpers;
    for (const w of h.valid_nameIsEOF) {
      const id = `ParseHeredoc valid ${JSON.stringify(w)}`;
      results.push(guard(id, () => {
        const r = parseHeredoc(w);
        return check(id, r?.name === 'EOF', () => `got ${JSON.stringify(r)}`);
      }));
    }
    for (const w of h.invalid_error) {
      const id = `ParseHeredoc invalid ${JSON.stringify(w)}`;
      let threw = false;
      try {
        parseHeredoc(w);
      } catch {
        threw = true;
      }
      results.push(check(id, threw, () => 'expected an error'));
    }
    for (const w of h.notHeredoc_nil) {
      const id = `ParseHeredoc nil ${JSON.stringify(w)}`;
      results.push(guard(id, () => {
        const r = parseHeredoc(w);
        return check(id, r === undefined, () => `got ${JSON.stringify(r)}`);
      }));
    }
    for (const lc of c.heredocsFromLine.cases) {
      const id = `heredocsFromLine ${JSON.stringify(lc.line)}`;
      results.push(guard(id, () => {
        const names = heredocsFromLine(lc.line).map((d) => d.name);
        return check(id, JSON.stringify(names.length ? names : null) === JSON.stringify(lc.heredocNames), () => `got ${JSON.stringify(names)}`);
      }));
    }
    results.push(check('chomp', chompHeredocContent(c.chomp.input) === c.chomp.expected, () => 'chomp mismatch'));
    return results;
  },
};
