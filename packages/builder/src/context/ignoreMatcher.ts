/**
 * The .dockerignore matcher as the context and `COPY --exclude` see it: an adapter over
 * @tsbuild/parser's PatternMatcher (moby/patternmatcher semantics, `MatchesOrParentMatches`).
 */
import { PatternMatcher, readDockerignore } from '@tsbuild/parser';

export interface IgnoreMatcher {
  /** true when `relPath` ('/'-separated, clean, relative to the root) is excluded — directly or through a parent */
  matches(relPath: string): boolean;
  /** true when some pattern is an exception (`!pattern`): an excluded dir may still hold included files */
  readonly hasExceptions: boolean;
  /** false when `dir` is excluded but an exception may re-include something below it */
  canSkipDir(dir: string): boolean;
}

export type IgnoreMatcherFactory = (patterns: string[]) => IgnoreMatcher;

/** Throws the parser's ParseError (E_DOCKERIGNORE) for an invalid pattern. */
export const defaultIgnoreMatcher: IgnoreMatcherFactory = (patterns) => {
  const pm = new PatternMatcher(patterns);
  return {
    hasExceptions: pm.hasExclusions,
    matches: (p) => pm.matches(p),
    canSkipDir: (d) => pm.canSkipDir(d),
  };
};

/** Patterns of a .dockerignore file (ignorefile.ReadAll). */
export function readIgnoreLines(text: string): string[] {
  return readDockerignore(text);
}
