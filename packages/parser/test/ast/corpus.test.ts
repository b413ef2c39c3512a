/**
 * BuildKit's parser golden files, read from the shared conformance corpus (never copied into the repo).
 * Skipped when the corpus is not on this machine; `npm run conformance` runs the same data.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dumpAst, parseAst } from '../../src/ast/index.js';
import { parse } from '../../src/parse.js';
import { ParseError } from '../../src/errors.js';

const corpus = process.env.TSBUILD_CONFORMANCE ?? '/work/shared/conformance';
const parserDir = join(corpus, 'parser');
const cases = existsSync(parserDir) ? readdirSync(parserDir).filter((c) => existsSync(join(parserDir, c, 'result'))) : [];

describe.skipIf(cases.length === 0)('BuildKit parser golden files', () => {
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
