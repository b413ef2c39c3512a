/** shell-matches.json: ShellLex.processWordWithMatches, result plus found / not-found names. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ShellLex } from '@tsbuild/parser';
import type { CaseResult, Suite } from '../types.js';

interface MatchesCase {
  id: number;
  source: string;
  input: string;
  env: Record<string, string>;
  expectError: boolean;
  expected: string | null;
  errorContains?: string;
  matched?: string[];
  unmatched?: string[];
}

function sameSet(got: Set<string>, want: string[]): boolean {
  return got.size === new Set(want).size && want.every((w) => got.has(w));
}

export const shellMatches: Suite = {
  name: 'shell-matches',
  async run(corpusDir) {
    const cases = JSON.parse(await readFile(join(corpusDir, 'shell-matches.json'), 'utf8')) as MatchesCase[];
    const lex = new ShellLex('\\');
    return cases.map((c): CaseResult => {
      const id = `${c.id} ${c.source}: ${c.input}`;
      let got: ReturnType<ShellLex['processWordWithMatches']>;
      try {
        got = lex.processWordWithMatches(c.input, new Map(Object.entries(c.env)));
      } catch (err) {
        const msg = (err as Error).message;
        if (!c.expectError) return { id, status: 'failed', reason: `unexpected error: ${msg}` };
        if (c.errorContains !== undefined && !msg.includes(c.errorContains)) {
          return { id, status: 'failed', reason: `error ${JSON.stringify(msg)} lacks ${JSON.stringify(c.errorContains)}` };
        }
        return { id, status: 'passed' };
      }
      if (c.expectError) return { id, status: 'failed', reason: `expected an error, got ${JSON.stringify(got.result)}` };
      if (got.result !== c.expected) {
        return { id, status: 'failed', reason: `expected ${JSON.stringify(c.expected)}, got ${JSON.stringify(got.result)}` };
      }
      if (c.matched && !sameSet(got.matched, c.matched)) {
        return { id, status: 'failed', reason: `matched ${JSON.stringify([...got.matched])}, want ${JSON.stringify(c.matched)}` };
      }
      if (c.unmatched && !sameSet(got.unmatched, c.unmatched)) {
        return { id, status: 'failed', reason: `unmatched ${JSON.stringify([...got.unmatched])}, want ${JSON.stringify(c.unmatched)}` };
      }
      return { id, status: 'passed' };
    });
  },
};
