import { describe, expect, it } from 'vitest';
import { ParseError } from '../src/errors.js';
import { expandInstruction } from '../src/expand-instruction.js';
import { parse } from '../src/parse.js';
import { stageGraph } from '../src/stages/stage-graph.js';
import type { VarLookup } from '../src/types.js';

/** Random Dockerfile-shaped text: every failure must be a ParseError, never a crash or a hang. */
const vocab = [
  'FROM', 'RUN', 'COPY', 'ADD', 'ENV', 'ARG', 'LABEL', 'ONBUILD', 'HEALTHCHECK', 'SHELL', 'CMD', 'EXPOSE', 'USER', 'WORKDIR', 'VOLUME', 'STOPSIGNAL', 'ENTRYPOINT', 'MAINTAINER', 'BOGUS',
  '--from=a', '--mount=type=cache,target=/c', '--mount=type=secret', '--mount=from=$x', '--chmod=7', '--chmod=$M', '--link', '--platform=$P', '--interval=5s', '--retries=x', '--network=none', '--', '--x',
  'AS', 'a', 'b', '0', '1', '$A', '${A:-x}', '${A:?e}', '${', '"', "'", '\\', '`', '[', ']', '["a"]', '["a", 1]', '=', 'k=v', 'k="v w"', '<<EOF', '<<-X', '3<<Y', 'EOF', 'X', 'Y', '\t', '#', '# escape=`', 'é', '\u00a0', '\x00',
];

function randomText(seed: number): string {
  let s = seed;
  const rnd = (n: number): number => ((s = (s * 1103515245 + 12345) & 0x7fffffff) % n);
  const lines: string[] = [];
  const count = 1 + rnd(12);
  for (let l = 0; l < count; l++) {
    const words: string[] = [];
    const wc = rnd(7);
    for (let w = 0; w <= wc; w++) words.push(vocab[rnd(vocab.length)]!);
    lines.push(words.join(rnd(4) === 0 ? '' : ' ') + (rnd(8) === 0 ? ' \\' : ''));
  }
  return lines.join('\n');
}

describe('robustness', () => {
  it('never crashes on random Dockerfile-shaped input (parse, stageGraph, expandInstruction)', () => {
    let parsed = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const text = randomText(seed);
      try {
        const df = parse(text);
        parsed++;
        stageGraph(df);
        const scope: VarLookup = { get: () => undefined };
        for (const st of df.stages) for (const ins of [st.from, ...st.instructions]) expandInstruction(ins, scope);
      } catch (e) {
        if (!(e instanceof ParseError)) throw new Error(`seed ${seed}: ${(e as Error).stack}\n---\n${text}`);
        expect(e.location?.line).toBeGreaterThanOrEqual(1);
      }
    }
    expect(parsed).toBeGreaterThan(20); // most random texts are rightly rejected
  });

  it('deeply chained ONBUILD is a ParseError, not a stack overflow', () => {
    const err = (() => {
      try {
        parse('FROM a\n' + 'ONBUILD '.repeat(5000) + 'RUN x\n');
      } catch (e) {
        return e as ParseError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ParseError);
    expect(err!.code).toBe('E_PARSE');
  });
});
