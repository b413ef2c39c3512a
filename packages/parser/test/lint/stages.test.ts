/**
 * lint in a build: the `stages` it runs (BuildKit dispatches only the target's stages, so only they
 * get the instruction rules), `baseEnv` asked per stage, and a parsed Dockerfile read without a
 * second parse (parseDocument) giving exactly what the text gives.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { lint } from '../../src/lint/index.js';
import { parseDocument } from '../../src/parse.js';

const rules = (r: ReturnType<typeof lint>) => r.warnings.map((w) => `${w.rule}@${w.range.start.line}`);

const TWO = [
  'ARG IMG=alpine',
  'FROM $IMG as unused', // FromAsCasing: a FROM rule, every stage
  'MAINTAINER me', // a parse rule, every stage
  'ENV X=$NOT_SET', // UndefinedVar: dispatch only
  'CMD echo hi', // JSONArgsRecommended: dispatch only
  'WORKDIR rel', // WorkdirRelativePath: dispatch only
  'EXPOSE 80/TCP', // ExposeProtoCasing: dispatch only
  'ARG API_TOKEN', // SecretsUsedInArgOrEnv: dispatch only
  'FROM --platform=linux/arm64 $IMG:$NOPE AS final', // FromPlatformFlagConstDisallowed, UndefinedArgInFrom
  'ENV Y=$ALSO_NOT_SET',
  'CMD echo final',
  '',
].join('\n');

describe('lint of the stages a build runs', () => {
  it('instruction rules only in those stages; FROM, file and parse rules in all (as BuildKit)', () => {
    expect(rules(lint(TWO, { stages: new Set([1]) }))).toEqual([
      'FromAsCasing@2', 'MaintainerDeprecated@3', 'UndefinedArgInFrom@9', 'FromPlatformFlagConstDisallowed@9', 'InvalidDefaultArgInFrom@9', 'UndefinedVar@10', 'JSONArgsRecommended@11',
    ]);
    // without `stages` (tsbuild check, docker build --check without --target): every stage
    expect(rules(lint(TWO))).toEqual([
      'FromAsCasing@2', 'MaintainerDeprecated@3', 'UndefinedVar@4', 'JSONArgsRecommended@5', 'WorkdirRelativePath@6', 'ExposeProtoCasing@7', 'SecretsUsedInArgOrEnv@8',
      'UndefinedArgInFrom@9', 'FromPlatformFlagConstDisallowed@9', 'InvalidDefaultArgInFrom@9', 'UndefinedVar@10', 'JSONArgsRecommended@11',
    ]);
    // a stage the target needs through FROM, COPY --from or a mount is run: its rules count
    expect(rules(lint('FROM a AS dep\nCMD x\nFROM b\nCOPY --from=dep /x /y\n', { stages: new Set([0, 1]) }))).toEqual(['JSONArgsRecommended@2']);
  });

  it('baseEnv is asked with the expanded image and the stage index', () => {
    const asked: [string, number][] = [];
    const r = lint('ARG V=1\nFROM img:$V\nENV A=$FROM_IMG\nFROM scratch\nFROM img:$V AS again\nENV B=$FROM_IMG\n', {
      baseEnv: (image, stage) => (asked.push([image, stage]), stage === 0 ? ['FROM_IMG=1'] : []),
    });
    expect(asked).toEqual([['img:1', 0], ['img:1', 2]]);
    // the same image, other env for stage 2 (e.g. another platform's): UndefinedVar there only
    expect(rules(r)).toEqual(['UndefinedVar@6']);
  });

  it('a parsed Dockerfile gives what its text gives (every differential fixture)', () => {
    const root = join(__dirname, '../../../../fixtures/differential');
    const dirs = existsSync(root) ? readdirSync(root) : [];
    let compared = 0;
    for (const d of dirs) {
      const file = join(root, d, 'Dockerfile');
      if (!existsSync(file)) continue;
      const text = readFileSync(file, 'utf8');
      let parsed;
      try {
        parsed = parseDocument(text, { file: 'Dockerfile' });
      } catch {
        continue; // a build stops at a parse error before lint
      }
      const opts = { ignorePatterns: ['secret*', 'dist'], buildArgs: { A: '1' }, baseEnv: (i: string) => (i.includes('node') ? ['NODE=1'] : undefined) };
      expect(lint(parsed, opts), d).toEqual(lint(text, opts));
      compared++;
    }
    expect(compared).toBeGreaterThan(20);
    // nothing in it is changed by lint: it can be linted again
    const p = parseDocument(TWO);
    const snapshot = JSON.stringify(p);
    lint(p, { stages: new Set([1]) });
    expect(JSON.stringify(p)).toBe(snapshot);
  });
});
