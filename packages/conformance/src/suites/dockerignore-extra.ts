/** dockerignore-extra.json: ignorefile.ReadAll, New() cleaning, malformed-pattern regression. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PatternMatcher, readDockerignore } from '@tsbuild/parser';
import type { CaseResult, Suite } from '../types.js';

type ExtraCase =
  | { id: number; source: string; kind: 'readAll'; content: string; expectedPatterns: string[] }
  | { id: number; source: string; kind: 'new'; patterns: string[]; expectError: boolean; expectedPatternCount?: number; expectedExclusions?: boolean }
  | { id: number; source: string; kind: 'newThenMatch'; patterns: string[]; expectNewError: boolean; path: string; expectMatchError: boolean; repeat: number };

function errorCode(err: unknown): string | undefined {
  return (err as { code?: string }).code;
}

function runCase(c: ExtraCase): CaseResult {
  const id = `${c.id} ${c.source}`;
  const fail = (reason: string): CaseResult => ({ id, status: 'failed', reason });
  switch (c.kind) {
    case 'readAll': {
      const got = readDockerignore(c.content);
      return JSON.stringify(got) === JSON.stringify(c.expectedPatterns)
        ? { id, status: 'passed' }
        : fail(`expected ${JSON.stringify(c.expectedPatterns)}, got ${JSON.stringify(got)}`);
    }
    case 'new': {
      let pm: PatternMatcher;
      try {
        pm = new PatternMatcher(c.patterns);
      } catch (err) {
        if (!c.expectError) return fail(`unexpected error: ${(err as Error).message}`);
        return errorCode(err) === 'E_DOCKERIGNORE' ? { id, status: 'passed' } : fail(`error code ${errorCode(err)}`);
      }
      if (c.expectError) return fail('expected an error');
      if (c.expectedPatternCount !== undefined && pm.patterns.length !== c.expectedPatternCount) {
        return fail(`expected ${c.expectedPatternCount} patterns, got ${pm.patterns.length}`);
      }
      if (c.expectedExclusions !== undefined && pm.hasExclusions !== c.expectedExclusions) {
        return fail(`expected hasExclusions=${c.expectedExclusions}`);
      }
      return { id, status: 'passed' };
    }
    case 'newThenMatch': {
      let pm: PatternMatcher;
      try {
        pm = new PatternMatcher(c.patterns);
      } catch (err) {
        return c.expectNewError ? { id, status: 'passed' } : fail(`unexpected New error: ${(err as Error).message}`);
      }
      if (c.expectNewError) return fail('expected New to fail');
      for (let i = 0; i < c.repeat; i++) {
        try {
          pm.matches(c.path);
          if (c.expectMatchError) return fail(`call ${i + 1}: expected a match error`);
        } catch (err) {
          if (!c.expectMatchError) return fail(`call ${i + 1}: unexpected error ${(err as Error).message}`);
          if (errorCode(err) !== 'E_DOCKERIGNORE') return fail(`call ${i + 1}: error code ${errorCode(err)}`);
        }
      }
      return { id, status: 'passed' };
    }
  }
}

export const dockerignoreExtra: Suite = {
  name: 'dockerignore-extra',
  async run(corpusDir) {
    const cases = JSON.parse(await readFile(join(corpusDir, 'dockerignore-extra.json'), 'utf8')) as ExtraCase[];
    return cases.map(runCase);
  },
};
