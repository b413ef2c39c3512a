import { describe, expect, it } from 'vitest';
import { ShellLex } from '../../src/expand/lex.js';
import { ExpandError } from '../../src/errors.js';

const env = (o: Record<string, string> = {}) => new Map(Object.entries(o));
const E = env({ PWD: '/home', SHELL: 'bash', EMPTY: '', SP: 'a  b ', V: 'xxyy' });
const lex = new ShellLex();

function expandError(fn: () => unknown): ExpandError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ExpandError);
    expect((err as ExpandError).code).toBe('E_EXPAND');
    return err as ExpandError;
  }
  throw new Error('expected an ExpandError');
}

describe('ShellLex.processWord', () => {
  it.each([
    ['$PWD/x', '/home/x'],
    ['${PWD}x', '/homex'],
    ['${NOPE:-d}${EMPTY:-e}${EMPTY-f}', 'de'],
    ['${PWD:+y}${EMPTY:+n}${EMPTY+s}', 'ys'],
    ['${V#x}|${V##*x}|${V%y}|${V%%y*}', 'xyy|yy|xxy|xx'],
    ['${V/x/z}|${V//x/z}', 'zxyy|zzyy'],
    ["'$PWD'\"$PWD\"\\$PWD", '$PWD/home$PWD'],
    ['a\\', 'a'],
    ['$1$@$#${0:-zero}', 'zero'],
    ['"a\\b\\"c"', 'a\\b"c'],
  ])('%s → %s', (word, want) => {
    expect(lex.processWord(word, E)).toBe(want);
  });

  it('ignores a byte order mark at the start, like Go text/scanner', () => {
    expect(lex.processWord('\ufeff$SHELL', E)).toBe('bash');
  });

  it('matches ? against one code point and never across a newline', () => {
    const e = env({ U: '😀x', N: 'a\nb', W: 'ab\ncd' });
    expect(lex.processWord('${U#?}', e)).toBe('x');
    expect(lex.processWord('${N##*}', e)).toBe('\nb');
    expect(lex.processWord('${W%%c*}', e)).toBe('ab\n');
    expect(lex.processWord('${W//?/.}', e)).toBe('..\n..');
  });

  it('follows Go ReplaceAllString for empty matches and $0 in the replacement', () => {
    const e = env({ A: 'ab' });
    expect(lex.processWord('${A//*/y}', e)).toBe('y');
    expect(lex.processWord('${A///x}', e)).toBe('xaxbx');
    expect(lex.processWord('${A//b/\\$0}', e)).toBe('a\\b');
    expect(lex.processWord('${A/b/\\$0}', e)).toBe('a\\$0');
  });

  it('treats brackets in patterns literally (no bracket expressions in BuildKit)', () => {
    expect(lex.processWord('${X#[ab]}', env({ X: '[ab]c' }))).toBe('c');
  });

  it('reports errors as ExpandError E_EXPAND', () => {
    for (const w of ['${x', '${}', '${:}', '${x:=y}', '${x:#y}', "'open", '"open', '${x//y}', '${x#\\q}']) {
      expandError(() => lex.processWord(w, E));
    }
    expect(expandError(() => lex.processWord('${NOPE:?must be set}', E)).message).toContain('NOPE: must be set');
    expect(expandError(() => lex.processWord('${EMPTY:?}', E)).message).toContain('is not allowed to be empty');
    // nesting deeper than the JS stack is an ExpandError too, not a crash
    expandError(() => lex.processWord('${a:-'.repeat(100_000) + 'x' + '}'.repeat(100_000), E));
    expect(lex.processWord('${a:-'.repeat(200) + 'x' + '}'.repeat(200), E)).toBe('x');
  });
});

describe('backtick escape token', () => {
  const bt = new ShellLex('`');
  it('leaves backslashes alone and escapes with `', () => {
    expect(bt.processWord('C:\\path\\$PWD', E)).toBe('C:\\path\\/home');
    expect(bt.processWord('`$PWD', E)).toBe('$PWD');
    expect(bt.processWord('"a`"b``c`d"', E)).toBe('a"b`c`d');
    expect(bt.processWord('a`', E)).toBe('a');
    expect(bt.processWords('a` b c', E)).toEqual(['a b', 'c']);
  });
});

describe('ShellLex.processWords', () => {
  it('splits unquoted expansions but not quoted or escaped white space', () => {
    expect(lex.processWords('x$SP"$SP"y\\ z', E)).toEqual(['xa', 'b', 'a  b y z']);
    expect(lex.processWords('  ', E)).toEqual([]);
    expect(lex.processWords('""', E)).toEqual([]);
    expect(lex.processWords('a\u00a0b\u3000c', E)).toEqual(['a', 'b', 'c']);
  });
});

describe('ShellLex.processWordWithMatches', () => {
  it('reports looked-up names', () => {
    const r = lex.processWordWithMatches('$PWD ${NOPE:-$SHELL} $1', E);
    expect(r.result).toBe('/home bash ');
    expect([...r.matched].sort()).toEqual(['PWD', 'SHELL']);
    expect([...r.unmatched].sort()).toEqual(['1', 'NOPE']);
  });
});

describe('options', () => {
  it('skipUnsetEnv keeps references to unset variables', () => {
    const l = new ShellLex('\\', { skipUnsetEnv: true });
    expect(l.processWord('$NOPE ${NOPE} ${NOPE:-x} ${NOPE/a/b} $PWD', E)).toBe('$NOPE ${NOPE} ${NOPE:-x} ${NOPE/a/b} /home');
  });
  it('rawQuotes keeps the quotes, rawEscapes the escapes', () => {
    expect(new ShellLex('\\', { rawQuotes: true }).processWord(`'a'"$SHELL"`, E)).toBe(`'a'"bash"`);
    expect(new ShellLex('\\', { rawEscapes: true }).processWord('a\\ b\\', E)).toBe('a\\ b\\');
  });
  it('skipProcessQuotes treats quotes as ordinary characters', () => {
    expect(new ShellLex('\\', { skipProcessQuotes: true }).processWord(`'$SHELL'`, E)).toBe(`'bash'`);
  });
});

describe('large inputs (must finish quickly; no timing assertion)', () => {
  const MB = 1024 * 1024;
  it('processes a 10 MB plain word', () => {
    const w = 'a'.repeat(10 * MB);
    expect(lex.processWord(w, E)).toHaveLength(10 * MB);
    expect(lex.processWords(w, E)).toHaveLength(1);
  });
  it('processes 10 MB of escapes, quotes and variables', () => {
    expect(lex.processWord('\\a'.repeat(5 * MB), E)).toHaveLength(5 * MB);
    expect(lex.processWord('"' + 'ab\\"'.repeat(2 * MB) + '"', E)).toHaveLength(6 * MB);
    expect(lex.processWords('$SP'.repeat(MB), E)).toHaveLength(2 * MB);
  });
  it('matches patterns in linear time against a long value', () => {
    const e = env({ L: 'a'.repeat(MB) });
    expect(lex.processWord('${L#*a*a*a*b}', e)).toHaveLength(MB);
    expect(lex.processWord('${L%%*a*a*b}', e)).toHaveLength(MB);
    expect(lex.processWord('${L/*a*b/x}', e)).toHaveLength(MB);
    expect(lex.processWord('${L//a/bb}', e)).toHaveLength(2 * MB);
  });
});
