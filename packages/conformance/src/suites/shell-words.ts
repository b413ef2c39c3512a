/** shell-words.json: BuildKit wordsTest through ShellLex.processWords (normal mode). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ShellLex } from '@tsbuild/parser';
import type { CaseResult, Suite } from '../types.js';

interface WordsCase {
  line: number;
  input: string;
  env: Record<string, string>;
  expectError: boolean;
  expectedWords: string[];
}

export const shellWords: Suite = {
  name: 'shell-words',
  async run(corpusDir) {
    const cases = JSON.parse(await readFile(join(corpusDir, 'shell-words.json'), 'utf8')) as WordsCase[];
    const lex = new ShellLex('\\');
    return cases.map((c): CaseResult => {
      const id = `line ${c.line}: ${c.input}`;
      let got: string[];
      try {
        got = lex.processWords(c.input, new Map(Object.entries(c.env)));
      } catch {
        got = ['error']; // as the Go test does
      }
      const ok = got.length === c.expectedWords.length && got.every((w, i) => w === c.expectedWords[i]);
      return ok
        ? { id, status: 'passed' }
        : { id, status: 'failed', reason: `expected ${JSON.stringify(c.expectedWords)}, got ${JSON.stringify(got)}` };
    });
  },
};
