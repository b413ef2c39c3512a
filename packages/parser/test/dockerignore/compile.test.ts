import { describe, expect, it } from 'vitest';
import { compileSource } from '../../src/dockerignore/compile.js';
import { goProgram, goRegExp } from '../../src/dockerignore/goregexp.js';
import { nfaMatch } from '../../src/dockerignore/nfa.js';
import { isValidGlob } from '../../src/dockerignore/validate.js';

describe('dockerignore glob NFA', () => {
  it('agrees with the translated Go regexp on random patterns and paths', () => {
    const alpha = ['a', 'b', '/', '*', '**', '?', '.', '\n', '😀'];
    const palpha = ['a', 'b', '/', '.', '\n', '😀'];
    let seed = 12345;
    const r = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let checked = 0;
    for (let k = 0; k < 20000; k++) {
      let p = '';
      for (let i = 0, n = 1 + r(6); i < n; i++) p += alpha[r(alpha.length)];
      const { kind, source, program } = compileSource(p);
      if (kind !== 'regexp' || !program) continue;
      const re = goRegExp(source);
      for (let j = 0; j < 5; j++) {
        let s = '';
        for (let i = 0, n = r(8); i < n; i++) s += palpha[r(palpha.length)];
        checked++;
        expect([p, s, nfaMatch(program, s)]).toEqual([p, s, re.test(s)]);
      }
    }
    expect(checked).toBeGreaterThan(10000);
  });

  it('matches many-star patterns against long names without backtracking blow-up', () => {
    const { program } = compileSource('*a*a*a*a*a*b');
    expect(nfaMatch(program!, 'a'.repeat(5000))).toBe(false);
    expect(nfaMatch(program!, 'a'.repeat(5000) + 'b')).toBe(true);
    // more than 14 nodes: the state set no longer fits one integer
    const { program: long } = compileSource('*a*a*a*a*a*a*a*a*b');
    expect(long!.length).toBeGreaterThan(14);
    expect(nfaMatch(long!, 'a'.repeat(5000))).toBe(false);
    expect(nfaMatch(long!, 'a'.repeat(5000) + 'b')).toBe(true);
  });

  it('runs class and escape patterns as an NFA that agrees with the RegExp translation', () => {
    const alpha = ['a', 'b', '/', '*', '**', '?', '[', ']', '^', '-', '\\', 'n', 'd', '.', '😀', '[:digit:]', '1'];
    const palpha = ['a', 'b', '/', '.', '\n', '😀', '-', '1', ']', '[', '^'];
    let seed = 4242;
    const r = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let programs = 0;
    for (let k = 0; k < 30000; k++) {
      let p = '';
      for (let i = 0, n = 1 + r(7); i < n; i++) p += alpha[r(alpha.length)];
      if (!isValidGlob(p)) continue;
      const { kind, source, program: glob } = compileSource(p);
      if (kind !== 'regexp' || glob) continue;
      let re: RegExp | undefined;
      try {
        re = goRegExp(source);
      } catch {
        expect(() => goProgram(source) ?? goRegExp(source)).toThrow();
        continue;
      }
      const program = goProgram(source);
      if (!program) continue;
      programs++;
      for (let j = 0; j < 6; j++) {
        let s = '';
        for (let i = 0, n = r(7); i < n; i++) s += palpha[r(palpha.length)];
        expect([p, s, nfaMatch(program, s)]).toEqual([p, s, re.test(s)]);
      }
    }
    expect(programs).toBeGreaterThan(5000);
  });

  it('does not backtrack on many starred classes', () => {
    const program = goProgram(compileSource('[a]*[a]*[a]*[a]*[a]*b').source)!;
    expect(nfaMatch(program, 'a'.repeat(5000))).toBe(false);
  });
});
