import { describe, expect, it } from 'vitest';
import { compileShellPattern, findMatch } from '../../src/expand/pattern.js';

/** Reference: the backtracking regexp BuildKit builds (Go leftmost-first = Perl semantics). */
function reference(p: string, greedy: boolean, anchored: boolean): RegExp {
  const star = greedy ? '[^\\n]*' : '[^\\n]*?';
  let out = anchored ? '^' : '';
  for (const c of Array.from(p)) {
    if (c === '*') out += star;
    else if (c === '?') out += '[^\\n]';
    else out += c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  }
  return new RegExp(out, 'u');
}

describe('shell pattern NFA', () => {
  it('finds the same match as the backtracking regexp on random inputs', () => {
    const alpha = ['a', 'b', '*', '?', '\n', '😀', '['];
    const valpha = ['a', 'b', '\n', '😀', '['];
    let seed = 777;
    const r = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let k = 0; k < 20000; k++) {
      let p = '';
      for (let i = 0, m = r(5); i < m; i++) p += alpha[r(alpha.length)];
      let v = '';
      for (let i = 0, m = r(9); i < m; i++) v += valpha[r(valpha.length)];
      const tokens = compileShellPattern(p);
      for (const [greedy, anchored] of [[true, true], [false, true], [true, false]] as const) {
        const m = reference(p, greedy, anchored).exec(v);
        const want = m ? [m.index, m.index + m[0].length] : undefined;
        expect([p, v, greedy, anchored, findMatch(tokens, v, 0, anchored, greedy)]).toEqual([p, v, greedy, anchored, want]);
      }
    }
  });
});
