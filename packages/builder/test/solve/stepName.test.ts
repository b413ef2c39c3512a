/** Step names as BuildKit shows them (dockerfile2llb's prefixCommand / processCmdEnv / uppercaseCmd). */
import { describe, expect, it } from 'vitest';
import { parse } from '@tsbuild/parser';
import { displayCommand, stepPrefix } from '../../src/solve/stepName.js';

const vars = (o: Record<string, string>) => ({ get: (k: string) => o[k] });
const show = (line: string, v: Record<string, string> = {}) => displayCommand(parse(`FROM a\n${line}\n`).stages[0]!.instructions[0]!, vars(v), '\\');

describe('step names', () => {
  it('RUN: variables expanded with the values before the step, quotes kept, unset ones left as written', () => {
    expect(show('RUN groupadd --gid ${APP_UID} app', { APP_UID: '10001' })).toBe('RUN groupadd --gid 10001 app');
    expect(show(`RUN echo "$A" '$B' $UNSET`, { A: 'x', B: 'y' })).toBe(`RUN echo "x" '$B' $UNSET`); // single quotes keep $B
    expect(show('run echo hi')).toBe('RUN echo hi');
  });
  it('COPY/ADD/WORKDIR: the ordinary word rules (quotes removed, unset is empty)', () => {
    expect(show('COPY --chown=${U} "a b" /dst/', { U: '1000' })).toBe('COPY --chown=1000 a b /dst/');
    expect(show('WORKDIR /app/$SUB', { SUB: 'web' })).toBe('WORKDIR /app/web');
    expect(show('workdir /x$NOPE')).toBe('WORKDIR /x');
  });
  it('a RUN heredoc shows its first line', () => {
    expect(show('RUN <<EOF\necho one\necho two\nEOF')).toBe('RUN <<EOF (echo one...)');
  });
  it('a text that does not expand is shown as written', () => {
    expect(show('RUN echo ${A:?must be set}')).toBe('RUN echo ${A:?must be set}');
  });
  it('n is padded to the total\'s width', () => {
    expect(stepPrefix('build', 2, 12)).toBe('[build  2/12] ');
    expect(stepPrefix('stage-0', 3, 4)).toBe('[stage-0 3/4] ');
  });
});
