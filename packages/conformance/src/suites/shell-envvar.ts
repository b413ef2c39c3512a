/** shell-envvar.json: BuildKit envVarTest through ShellLex.processWord (Linux semantics). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ShellLex } from '@tsbuild/parser';
import type { CaseResult, Suite } from '../types.js';

interface EnvVarCase {
  line: number;
  platform: 'all' | 'unix' | 'windows';
  input: string;
  env: Record<string, string>;
  expectError: boolean;
  expected: string | null;
}

export const shellEnvvar: Suite = {
  name: 'shell-envvar',
  async run(corpusDir) {
    const cases = JSON.parse(await readFile(join(corpusDir, 'shell-envvar.json'), 'utf8')) as EnvVarCase[];
    const lex = new ShellLex('\\');
    return cases.map((c): CaseResult => {
      const id = `line ${c.line}: ${c.input}`;
      if (c.platform === 'windows') return { id, status: 'skipped', reason: 'Windows-only' };
      const env = new Map(Object.entries(c.env));
      let got: string;
      try {
        got = lex.processWord(c.input, env);
      } catch (err) {
        if (c.expectError) return { id, status: 'passed' };
        return { id, status: 'failed', reason: `unexpected error: ${(err as Error).message}` };
      }
      if (c.expectError) return { id, status: 'failed', reason: `expected an error, got ${JSON.stringify(got)}` };
      return got === c.expected
        ? { id, status: 'passed' }
        : { id, status: 'failed', reason: `expected ${JSON.stringify(c.expected)}, got ${JSON.stringify(got)}` };
    });
  },
};
