import { describe, expect, it } from 'vitest';
import { EMPTY_MATCH_INFO, matchesOrParentMatches, PatternMatcher, type MatchInfo } from '../../src/dockerignore/matcher.js';
import { readDockerignore } from '../../src/dockerignore/read.js';
import { ParseError } from '../../src/errors.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ParseError);
    return (err as ParseError).code;
  }
  return undefined;
}

describe('readDockerignore', () => {
  it('parses like ignorefile.ReadAll', () => {
    const text = '\ufeff# comment\r\nnode_modules/\r\n  /build//out/ \n ! /keep/./me\n  # not a comment\n\n./a/../b\n!\n';
    expect(readDockerignore(text)).toEqual(['node_modules', 'build/out', '!keep/me', '# not a comment', 'b', '!']);
  });
  it('keeps a lone slash and drops blank files', () => {
    expect(readDockerignore('/\n')).toEqual(['/']);
    expect(readDockerignore('')).toEqual([]);
  });
});

describe('PatternMatcher', () => {
  it('rejects bad patterns with E_DOCKERIGNORE', () => {
    expect(code(() => new PatternMatcher(['!']))).toBe('E_DOCKERIGNORE');
    expect(code(() => new PatternMatcher(['a['])))
      .toBe('E_DOCKERIGNORE');
    expect(code(() => new PatternMatcher(['x\\']))).toBe('E_DOCKERIGNORE');
    // range order is only checked when the regexp is compiled, at the first match (as upstream)
    const pm = new PatternMatcher(['[z-a]']);
    expect(code(() => pm.matches('x'))).toBe('E_DOCKERIGNORE');
    expect(code(() => pm.matches('x'))).toBe('E_DOCKERIGNORE');
  });

  it('excludes files and whole directories, with exceptions', () => {
    const pm = new PatternMatcher(['node_modules', '*.log', '!keep.log', '**/*.tmp', 'docs/', '!docs/README.md']);
    expect(pm.hasExclusions).toBe(true);
    const cases: Array<[string, boolean]> = [
      ['node_modules', true],
      ['node_modules/x/y.js', true],
      ['src/node_modules', false],
      ['a.log', true],
      ['keep.log', false],
      ['sub/a.log', false],
      ['x/y/z.tmp', true],
      ['z.tmp', true],
      ['docs/guide.md', true],
      ['docs/README.md', false],
      ['src/index.ts', false],
    ];
    for (const [path, want] of cases) expect([path, pm.matches(path)]).toEqual([path, want]);
  });

  it('translates Go regexp syntax inside character classes', () => {
    expect(matchesOrParentMatches('5', ['[[:digit:]]'])).toBe(true);
    expect(matchesOrParentMatches('a', ['[[:digit:]]'])).toBe(false);
    expect(matchesOrParentMatches('x-y', ['x[\\-]y'])).toBe(true);
    expect(matchesOrParentMatches('a\nb', ['a**b'])).toBe(false); // Go's . stops at newlines
  });

  it('never excludes the context root', () => {
    expect(matchesOrParentMatches('.', ['*'])).toBe(false);
    expect(matchesOrParentMatches('./a/../b', ['b'])).toBe(true);
  });

  it('gives the same answers through matchesUsingParentResults on a walk', () => {
    const pm = new PatternMatcher(['**', '!src', 'src/**/*.test.ts', '!src/keep/**', 'a*/b?/[cd]*']);
    const paths = [
      'src', 'src/a.ts', 'src/a.test.ts', 'src/x/y.test.ts', 'src/keep', 'src/keep/z.test.ts',
      'abc', 'abc/b1', 'abc/b1/cat', 'abc/b1/eel', 'other', 'other/file',
    ];
    const infos = new Map<string, MatchInfo>();
    for (const p of paths) {
      const parent = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : undefined;
      const r = pm.matchesUsingParentResults(p, parent ? infos.get(parent)! : EMPTY_MATCH_INFO);
      infos.set(p, r.info);
      expect([p, r.matched]).toEqual([p, pm.matches(p)]);
      expect([p, pm.matchesUsingParentResults(p).matched]).toEqual([p, pm.matches(p)]);
    }
  });
});

describe('canSkipDir', () => {
  it('skips excluded directories nothing can re-include', () => {
    const pm = new PatternMatcher(['node_modules', 'build', '!build/keep.txt', 'tmp*']);
    expect(pm.canSkipDir('node_modules')).toBe(true);
    expect(pm.canSkipDir('tmp1')).toBe(true);
    expect(pm.canSkipDir('build')).toBe(false); // build/keep.txt comes back
    expect(pm.canSkipDir('src')).toBe(false); // not excluded at all
  });
  it('is conservative with ** and wildcard exceptions', () => {
    const pm = new PatternMatcher(['**', '!**/*.md', '!src']);
    expect(pm.canSkipDir('docs')).toBe(false);
    const pm2 = new PatternMatcher(['**', '!src/*.go']);
    expect(pm2.canSkipDir('docs')).toBe(true);
    expect(pm2.canSkipDir('src')).toBe(false);
    expect(pm2.canSkipDir('docs/src')).toBe(true);
  });
  it('walks an excluded dir a leading-wildcard exception can reach (current fsutil; docker 20.10 skipped it)', () => {
    // buildah's dockerignore6: `subdir` excluded, `!*/sub1*` brings subdir/sub1.txt back
    const pm = new PatternMatcher(['*', 'test*', '!test2*', 'subdir', '!*/sub1*']);
    expect(pm.canSkipDir('subdir')).toBe(false);
    expect(pm.matches('subdir/sub1.txt')).toBe(false);
    expect(pm.matches('subdir/sub2.txt')).toBe(true);
  });
  it('agrees with per-file matching below skipped directories', () => {
    const patterns = ['**', '!a/b*/c', 'x', '!x/y/*.keep', 'q?/r'];
    const pm = new PatternMatcher(patterns);
    const dirs = ['a', 'a/b1', 'a/zz', 'x', 'x/y', 'x/z', 'q1', 'q1/r', 'other'];
    const leaves = ['c', 'f.keep', 'f', 'r', 'y/f.keep'];
    for (const d of dirs) {
      if (!pm.canSkipDir(d)) continue;
      for (const l of leaves) expect([`${d}/${l}`, pm.matches(`${d}/${l}`)]).toEqual([`${d}/${l}`, true]);
    }
    expect(pm.canSkipDir('a/zz')).toBe(true);
    expect(pm.canSkipDir('a/b1')).toBe(false);
  });
});

describe('scale', () => {
  it('matches a 20,000-file walk with 30 patterns', () => {
    const patterns = readDockerignore(
      ['.git', 'node_modules', '**/*.log', '!important.log', 'dist/**', 'coverage', '*.tmp', '**/__pycache__', 'docs/**/*.png', '!docs/keep/**']
        .concat(Array.from({ length: 20 }, (_, i) => `gen${i}/**/out?/*.bin`))
        .join('\n'),
    );
    const pm = new PatternMatcher(patterns);
    let excluded = 0;
    for (let i = 0; i < 20_000; i++) {
      const path = `pkg${i % 50}/sub${i % 7}/deep${i % 3}/file${i}.${['ts', 'log', 'png', 'bin'][i % 4]}`;
      if (pm.matches(path)) excluded++;
    }
    expect(excluded).toBe(5000); // every .log file
  });
});
