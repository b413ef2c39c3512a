/**
 * BuildKit's parser golden files, read from the shared conformance corpus (never copied into the repo).
 * Skipped, saying so, when the corpus is not on this machine (a clean clone): it is the `conformance/`
 * directory of the shared material beside the repo (../shared/conformance, which `.ci/run` uses), or
 * TSBUILD_CORPUS. `npm run conformance -- DIR` runs the same data.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dumpAst, parseAst } from '../../src/ast/index.js';
import { parse } from '../../src/parse.js';
import { ParseError } from '../../src/errors.js';

const corpus = process.env.TSBUILD_CORPUS ?? process.env.TSBUILD_CONFORMANCE ?? resolve(__dirname, '../../../../../shared/conformance');
const parserDir = join(corpus, 'parser');
const cases = existsSync(parserDir) ? readdirSync(parserDir).filter((c) => existsSync(join(parserDir, c, 'result'))) : [];
const title = cases.length
  ? 'BuildKit parser golden files'
  : `BuildKit parser golden files (skipped: no corpus at ${parserDir}; it is ../shared/conformance beside the repo, or set TSBUILD_CORPUS)`;

if (cases.length === 0) console.warn(title);

describe.skipIf(cases.length === 0)(title, () => {
  it.each(cases)('%s dumps exactly as BuildKit', (c) => {
    const ast = parseAst(readFileSync(join(parserDir, c, 'Dockerfile'), 'utf8'));
    expect(dumpAst(ast) + '\n').toBe(readFileSync(join(parserDir, c, 'result'), 'utf8'));
  });

  it.each(cases)('%s converts to typed instructions or a located ParseError', (c) => {
    try {
      parse(readFileSync(join(parserDir, c, 'Dockerfile'), 'utf8'));
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      expect((e as ParseError).location?.line).toBeGreaterThan(0);
    }
  });

  it.each(existsSync(join(parserDir, 'negative')) ? readdirSync(join(parserDir, 'negative')) : [])('negative %s is rejected', (c) => {
    expect(() => parseAst(readFileSync(join(parserDir, 'negative', c, 'Dockerfile'), 'utf8'))).toThrow(ParseError);
  });
});
