import { describe, expect, it } from 'vitest';
import { goRegExp, GoRegexpError } from '../../src/dockerignore/goregexp.js';
import { PatternMatcher } from '../../src/dockerignore/matcher.js';

const full = (src: string) => goRegExp(src);

describe('Go regexp translation', () => {
  it('handles Go class syntax', () => {
    expect(full('^[]a]$').test(']')).toBe(true); // ] first is literal in Go
    expect(full('^[[:digit:][:upper:]]+$').test('9Z')).toBe(true);
    expect(full('^[[:^digit:]]$').test('a')).toBe(true);
    expect(full('^[[:^digit:]]$').test('1')).toBe(false);
    expect(full('^[\\d_]$').test('_')).toBe(true);
    expect(full('^[^a]$').test('\n')).toBe(true); // negated classes match newline (ClassNL)
    expect(full('^\\pL\\p{Greek}$').test('aα')).toBe(true);
    expect(full('^[a-]$').test('-')).toBe(true);
  });
  it('handles Go escapes and the dot', () => {
    expect(full('^\\x41\\x{1F600}\\101\\t$').test('A😀A\t')).toBe(true);
    expect(full('^a.b$').test('a\nb')).toBe(false);
    expect(full('^a.b$').test('a\rb')).toBe(true); // JS . would not match \r
    expect(full('^\\Qa.b\\E$').test('a.b')).toBe(true);
  });
  it('rejects what Go rejects', () => {
    for (const bad of ['^[z-a]$', '^\\y$', '^\\1$', '^[[:nope:]]$', '^[a$', '^\\C$']) {
      expect(() => full(bad), bad).toThrow(GoRegexpError);
    }
  });
});

describe('patterns that reach the Go regexp', () => {
  it('keeps patternmatcher quirks', () => {
    // `\n` in a pattern is a Go regexp newline escape
    expect(new PatternMatcher(['a\\nb']).matches('a\nb')).toBe(true);
    // an unknown escape passes filepath.Match but fails to compile: error at match time
    const pm = new PatternMatcher(['x\\y']);
    expect(() => pm.matches('xy')).toThrow(expect.objectContaining({ code: 'E_DOCKERIGNORE' }));
    // `?` inside a class is expanded before the regexp sees it: [x?y] is [x[^/] then y]
    expect(new PatternMatcher(['[x?y]']).matches('xy]')).toBe(true);
    expect(new PatternMatcher(['[x?y]']).matches('y')).toBe(false);
  });
});
