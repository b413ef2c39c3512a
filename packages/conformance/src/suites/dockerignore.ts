/** dockerignore.json: patternmatcher TestMatches / TestMatch tables through PatternMatcher. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { matchesOrParentMatches, PatternMatcher, type MatchInfo } from '@tsbuild/parser';
import type { CaseResult, Suite } from '../types.js';

interface IgnoreCase {
  id: number;
  source: string;
  api: 'MatchesOrParentMatches' | 'Matches';
  patterns: string[];
  path: string;
  expectedMatch: boolean;
  expectError: boolean;
}

/** the same decision through the streaming API, parents walked first and without parent info */
function streamingResults(pm: PatternMatcher, path: string): boolean[] {
  const slash = path.lastIndexOf('/');
  const parent = slash < 0 ? '.' : path.slice(0, slash + 1).replace(/\/+$/, '') || '/';
  let info: MatchInfo | undefined;
  if (parent !== '.') {
    const dirs = parent === '/' ? ['', ''] : parent.split('/');
    for (let i = 0; i < dirs.length; i++) {
      info = pm.matchesUsingParentResults(dirs.slice(0, i + 1).join('/'), info).info;
    }
  }
  return [pm.matchesUsingParentResults(path, info).matched, pm.matchesUsingParentResults(path).matched];
}

function runCase(c: IgnoreCase): CaseResult {
  const id = `${c.id} ${c.source} ${JSON.stringify(c.patterns)} ${JSON.stringify(c.path)}`;
  let got: boolean;
  let extra: boolean[] = [];
  try {
    if (c.api === 'Matches') {
      got = matchesOrParentMatches(c.path, c.patterns);
    } else {
      const pm = new PatternMatcher(c.patterns);
      got = pm.matches(c.path);
      extra = streamingResults(pm, c.path);
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (!c.expectError) return { id, status: 'failed', reason: `unexpected error: ${(err as Error).message}` };
    if (code !== 'E_DOCKERIGNORE') return { id, status: 'failed', reason: `error code ${code}, want E_DOCKERIGNORE` };
    return { id, status: 'passed' };
  }
  if (c.expectError) return { id, status: 'failed', reason: `expected an error, got ${got}` };
  if (got !== c.expectedMatch) return { id, status: 'failed', reason: `expected ${c.expectedMatch}, got ${got}` };
  if (extra.some((e) => e !== c.expectedMatch)) {
    return { id, status: 'failed', reason: `matchesUsingParentResults disagrees: ${JSON.stringify(extra)}` };
  }
  return { id, status: 'passed' };
}

export const dockerignore: Suite = {
  name: 'dockerignore',
  async run(corpusDir) {
    const cases = JSON.parse(await readFile(join(corpusDir, 'dockerignore.json'), 'utf8')) as IgnoreCase[];
    return cases.map(runCase);
  },
};
