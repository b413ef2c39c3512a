/** Each lint rule: a Dockerfile that trips it (rule, message as BuildKit words it, line) and one that does not. */
import { describe, expect, it } from 'vitest';
import { lint } from '../../src/lint/index.js';
import { ParseError } from '../../src/errors.js';

const rules = (text: string, opts = {}) => lint(text, opts).warnings.map((w) => `${w.rule}@${w.range.start.line}: ${w.message}`);
const only = (text: string, rule: string, opts = {}) => rules(text, opts).filter((r) => r.startsWith(`${rule}@`));

interface Case { rule: string; bad: string; expect: string[]; good: string; opts?: Record<string, unknown> }

const CASES: Case[] = [
  { rule: 'JSONArgsRecommended', bad: 'FROM a\nCMD echo hi\nENTRYPOINT run it\n', expect: ['JSONArgsRecommended@2: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals', 'JSONArgsRecommended@3: JSON arguments recommended for ENTRYPOINT to prevent unintended behavior related to OS signals'],
    good: 'FROM a\nCMD ["echo", "hi"]\nFROM a\nSHELL ["/bin/bash", "-c"]\nCMD echo hi\n' },
  { rule: 'StageNameCasing', bad: 'FROM a AS Build\n', expect: ["StageNameCasing@1: Stage name 'Build' should be lowercase"], good: 'FROM a AS build\n' },
  { rule: 'FromAsCasing', bad: 'FROM a as build\n', expect: ["FromAsCasing@1: 'as' and 'FROM' keywords' casing do not match"], good: 'FROM a AS build\nfrom b as other\n' },
  { rule: 'DuplicateStageName', bad: 'FROM a AS x\nFROM b AS x\n', expect: ['DuplicateStageName@2: Duplicate stage name "x", stage names should be unique'], good: 'FROM a AS x\nFROM b AS y\n' },
  { rule: 'ReservedStageName', bad: 'FROM a AS scratch\nFROM a AS context\n', expect: ['ReservedStageName@1: Stage name should not use the same name as reserved stage "scratch"', 'ReservedStageName@2: Stage name should not use the same name as reserved stage "context"'], good: 'FROM a AS scratchy\n' },
  { rule: 'UndefinedVar', bad: 'FROM a\nARG VERSION=1\nENV APP_VERSION=$VERSON\nCOPY $NOPE /x\n', expect: ["UndefinedVar@3: Usage of undefined variable '$VERSON' (did you mean $VERSION?)", "UndefinedVar@4: Usage of undefined variable '$NOPE'"],
    good: 'FROM a\nARG VERSION\nENV A=$VERSION B=${PATH}\nENV C=$A\nRUN echo $UNDECLARED_IN_RUN_IS_THE_SHELLS\nFROM a AS two\nENV X=1\nFROM two\nWORKDIR /$X\n' },
  { rule: 'UndefinedArgInFrom', bad: 'ARG VERSION=1\nFROM alpine:$VERSON\n', expect: ["UndefinedArgInFrom@2: FROM argument 'VERSON' is not declared (did you mean VERSION?)"], good: 'ARG VERSION=1\nFROM alpine:$VERSION\nFROM --platform=$BUILDPLATFORM alpine\n' },
  { rule: 'MaintainerDeprecated', bad: 'FROM a\nMAINTAINER me <me@example.com>\n', expect: ['MaintainerDeprecated@2: Maintainer instruction is deprecated in favor of using label'], good: 'FROM a\nLABEL org.opencontainers.image.authors="me"\n' },
  { rule: 'WorkdirRelativePath', bad: 'FROM a\nWORKDIR app\n', expect: ['WorkdirRelativePath@2: Relative workdir "app" can have unexpected results if the base image changes'], good: 'FROM a\nWORKDIR /app\nWORKDIR sub\n' },
  { rule: 'ConsistentInstructionCasing', bad: 'FROM a\nrun true\nRUN true\n', expect: ["ConsistentInstructionCasing@2: Command 'run' should match the case of the command majority (uppercase)"], good: 'from a\nrun true\n' },
  { rule: 'MultipleInstructionsDisallowed', bad: 'FROM a\nCMD ["a"]\nCMD ["b"]\n', expect: ['MultipleInstructionsDisallowed@2: Multiple CMD instructions should not be used in the same stage because only the last one will be used'], good: 'FROM a\nCMD ["a"]\nFROM b\nCMD ["b"]\n' },
  { rule: 'SecretsUsedInArgOrEnv', bad: 'FROM a\nARG GITHUB_TOKEN\nENV DB_PASSWORD=x\n', expect: ['SecretsUsedInArgOrEnv@2: Do not use ARG or ENV instructions for sensitive data (ARG "GITHUB_TOKEN")', 'SecretsUsedInArgOrEnv@3: Do not use ARG or ENV instructions for sensitive data (ENV "DB_PASSWORD")'],
    good: 'ARG GLOBAL_TOKEN\nFROM a\nARG PUBLIC_KEY\nENV TOKENIZER=x KEYBOARD=y\n' }, // global ARGs are not checked (BuildKit's buildMetaArgs)
  { rule: 'CopyIgnoredFile', bad: 'FROM a\nCOPY secret.txt /x\nADD ./dist/app.js /y\n', opts: { ignorePatterns: ['secret.txt', 'dist'] }, expect: ['CopyIgnoredFile@2: Attempting to Copy file "secret.txt" that is excluded by .dockerignore', 'CopyIgnoredFile@3: Attempting to Add file "dist/app.js" that is excluded by .dockerignore'],
    good: 'FROM a\nCOPY app.txt /x\nCOPY --from=b secret.txt /y\n' },
  { rule: 'LegacyKeyValueFormat', bad: 'FROM a\nENV A 1\nLABEL b 2\n', expect: ['LegacyKeyValueFormat@2: "ENV key=value" should be used instead of legacy "ENV key value" format', 'LegacyKeyValueFormat@3: "LABEL key=value" should be used instead of legacy "LABEL key value" format'], good: 'FROM a\nENV A=1\nLABEL b="2 3"\n' },
  { rule: 'ExposeProtoCasing', bad: 'FROM a\nEXPOSE 80/TCP\n', expect: ["ExposeProtoCasing@2: Defined protocol '80/TCP' in EXPOSE instruction should be lowercase"], good: 'FROM a\nEXPOSE 80/tcp 53/udp 8080\n' },
  { rule: 'ExposeInvalidFormat', bad: 'FROM a\nEXPOSE 127.0.0.1:80:80\n', expect: ["ExposeInvalidFormat@2: EXPOSE instruction should not define an IP address or host-port mapping, found '127.0.0.1:80:80'"], good: 'FROM a\nEXPOSE 80\n' },
  { rule: 'RedundantTargetPlatform', bad: 'FROM --platform=$TARGETPLATFORM alpine\n', expect: ['RedundantTargetPlatform@1: Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior'], good: 'FROM --platform=$BUILDPLATFORM alpine\n' },
  { rule: 'FromPlatformFlagConstDisallowed', bad: 'FROM --platform=linux/amd64 alpine AS build\n', expect: ['FromPlatformFlagConstDisallowed@1: FROM --platform flag should not use constant value "linux/amd64"'], good: 'FROM --platform=linux/amd64 alpine AS build_amd64\nFROM --platform=$BUILDPLATFORM alpine\n' },
  { rule: 'InvalidDefaultArgInFrom', bad: 'ARG VERSION\nARG IMG\nFROM busybox:$VERSION\nFROM $IMG\n', expect: ['InvalidDefaultArgInFrom@3: Default value for ARG busybox:$VERSION results in empty or invalid base image name', 'InvalidDefaultArgInFrom@4: Default value for ARG $IMG results in empty or invalid base image name'],
    good: 'ARG VERSION=1.36\nARG IMG=alpine\nFROM busybox:$VERSION\nFROM ${IMG}\nFROM busybox:${VERSION:-latest}\n', opts: { buildArgs: { VERSION: '', IMG: '' } } },
  { rule: 'NoEmptyContinuation', bad: 'FROM a\nRUN echo a \\\n\n  b\n', expect: ['NoEmptyContinuation@2: Empty continuation line'], good: 'FROM a\nRUN echo a \\\n  b\n' },
];

describe('lint rules', () => {
  for (const c of CASES) {
    it(`${c.rule}: trips on the bad form, not on the good one`, () => {
      expect(only(c.bad, c.rule, c.opts)).toEqual(c.expect);
      expect(only(c.good, c.rule, c.opts)).toEqual([]);
    });
  }

  it('every warning carries its rule documentation, file and range', () => {
    const [w] = lint('FROM a\nMAINTAINER x\n', { file: 'app/Dockerfile' }).warnings;
    expect(w).toMatchObject({ rule: 'MaintainerDeprecated', file: 'app/Dockerfile', url: 'https://docs.docker.com/go/dockerfile/rule/maintainer-deprecated/', range: { start: { line: 2, column: 1 } } });
    expect(w!.description).toMatch(/deprecated/);
  });

  it('a clean Dockerfile has no warnings', () => {
    expect(rules('# syntax=docker/dockerfile:1\nARG BASE=busybox\nFROM ${BASE} AS build\nARG V=1\nWORKDIR /src\nCOPY . .\nRUN make V=$V\nFROM busybox\nCOPY --from=build /src/out /out\nENV PATH=/out:$PATH\nEXPOSE 8080/tcp\nUSER 1000\nENTRYPOINT ["/out/app"]\nCMD ["--help"]\n')).toEqual([]);
  });
});

describe('# check= directive', () => {
  const text = (directive: string) => `${directive}\nFROM a as b\nMAINTAINER x\n`;
  it('skip= drops the named rules, skip=all every rule', () => {
    expect(rules(text('# check=skip=FromAsCasing'))).toEqual(['MaintainerDeprecated@3: Maintainer instruction is deprecated in favor of using label']);
    expect(rules(text('# check=skip=FromAsCasing, MaintainerDeprecated'))).toEqual([]);
    expect(rules(text('# check=skip=all'))).toEqual([]);
  });
  it('a check= comment right above an instruction (or a stage\'s FROM) skips rules there only', () => {
    const t = 'FROM a\n# check=skip=JSONArgsRecommended\nCMD echo one\nFROM b\nCMD echo two\n# check=skip=all\nFROM c AS Upper\nMAINTAINER x\nCMD echo three\n';
    expect(rules(t)).toEqual(['JSONArgsRecommended@5: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals']);
  });
  it('error=true makes warnings fail the build; a clean file still passes', () => {
    expect(lint(text('# check=error=true')).failed).toBe(true);
    expect(lint(text('# check=error=false')).failed).toBe(false);
    expect(lint('# check=error=true\nFROM a\n').failed).toBe(false);
    expect(lint(text('# check=skip=all;error=true')).failed).toBe(false);
  });
  it('options given outside the file (BUILDKIT_DOCKERFILE_CHECK) add to the directive', () => {
    expect(lint(text('# check=skip=FromAsCasing'), { check: 'skip=MaintainerDeprecated;error=true' })).toMatchObject({ warnings: [], failed: false });
  });
  it('a malformed directive is a typed error', () => {
    for (const bad of ['# check=skip', '# check=error=maybe', '# check=frobnicate=1']) {
      let err: unknown;
      try { lint(text(bad)); } catch (e) { err = e; }
      expect(err, bad).toBeInstanceOf(ParseError);
      expect((err as ParseError).code).toBe('E_CHECK_DIRECTIVE');
    }
  });
});

describe('"did you mean" as BuildKit suggests (distance under 3, any length)', () => {
  it('$PAHT → $PATH (the rule documentation\'s example), nothing for a far name', () => {
    expect(only('FROM alpine\nENV PATH=$PAHT:/app/bin\n', 'UndefinedVar')).toEqual(["UndefinedVar@2: Usage of undefined variable '$PAHT' (did you mean $PATH?)"]);
    expect(only('FROM alpine\nARG foo\nENV X=$completely_other\n', 'UndefinedVar')).toEqual(["UndefinedVar@3: Usage of undefined variable '$completely_other'"]);
  });
});

describe('base image Env', () => {
  it('variables a base image defines are not undefined when the caller knows its Env', () => {
    const text = 'FROM node:20\nENV P=$NODE_VERSION\n';
    expect(only(text, 'UndefinedVar')).toEqual(["UndefinedVar@2: Usage of undefined variable '$NODE_VERSION'"]);
    expect(only(text, 'UndefinedVar', { baseEnv: (img: string) => (img === 'node:20' ? ['PATH=/bin', 'NODE_VERSION=20.1'] : undefined) })).toEqual([]);
  });
  it('every stage has a PATH, even on a base without one (as BuildKit gives it)', () => {
    expect(only('FROM scratch\nENV P=$PATH\nFROM bare\nENV Q=$PATH\n', 'UndefinedVar', { baseEnv: () => [] })).toEqual([]);
  });
  it('an image whose Env is unknown silences UndefinedVar in its stage and the stages built on it, not elsewhere', () => {
    const text = 'FROM mystery AS a\nENV X=$FROM_BASE\nFROM a\nENV Y=$ALSO_UNKNOWN\nFROM known\nENV Z=$NOPE\n';
    expect(only(text, 'UndefinedVar', { baseEnv: (img: string) => (img === 'known' ? ['PATH=/bin'] : undefined) })).toEqual(["UndefinedVar@6: Usage of undefined variable '$NOPE'"]);
  });
});
