/**
 * patternmatcher.PatternMatcher: an ordered list of include / `!exclusion` patterns. A path is
 * excluded from the build context when the last pattern that applies to it (the path itself or
 * one of its parent directories) is an include pattern. Patterns are compiled once, lazily (a
 * regexp Go cannot compile fails on first use, like upstream).
 */
import { ParseError } from '../errors.js';
import { cleanPath, dirPath, trimSpace } from './clean.js';
import { compilePattern, GoRegexpError, type PathTest } from './compile.js';
import { isValidGlob } from './validate.js';

export interface IgnorePattern {
  /** cleaned pattern without the leading `!` */
  readonly pattern: string;
  readonly exclusion: boolean;
  /** the pattern split at `/` */
  readonly dirs: readonly string[];
}

/** Opaque per-directory state for {@link PatternMatcher.matchesUsingParentResults}. */
export interface MatchInfo {
  readonly parentMatched: readonly boolean[];
}

export const EMPTY_MATCH_INFO: MatchInfo = { parentMatched: [] };

function badPattern(pattern: string, why: string): ParseError {
  return new ParseError('E_DOCKERIGNORE', `invalid .dockerignore pattern ${JSON.stringify(pattern)}: ${why}`);
}

class CompiledPattern implements IgnorePattern {
  readonly dirs: readonly string[];
  private test?: PathTest;
  private error?: ParseError;
  private segmentTests?: Array<PathTest | 'any'>;
  /** results for parent directory prefixes, which every file below a directory asks again */
  private dirCache = new Map<string, boolean>();

  constructor(readonly pattern: string, readonly exclusion: boolean) {
    this.dirs = pattern.split('/');
  }

  matches(path: string): boolean {
    if (!this.test && !this.error) {
      try {
        this.test = compilePattern(this.pattern);
      } catch (err) {
        if (!(err instanceof GoRegexpError)) throw err;
        this.error = badPattern(this.pattern, `syntax error in pattern (${err.message})`);
      }
    }
    if (this.error) throw this.error;
    return this.test!(path);
  }

  /** match against a parent directory prefix; errors count as no match (as upstream ignores them) */
  matchesDir(dir: string): boolean {
    let m = this.dirCache.get(dir);
    if (m === undefined) {
      try {
        m = this.matches(dir);
      } catch {
        m = false;
      }
      if (this.dirCache.size >= 4096) this.dirCache = new Map();
      this.dirCache.set(dir, m);
    }
    return m;
  }

  /**
   * Could this pattern match `dir` itself, one of its parents, or anything below it? Conservative:
   * false only when some leading segment of the pattern (without `**`) cannot match `dir`'s segment.
   */
  couldMatchWithin(dirSegments: readonly string[]): boolean {
    if (!this.segmentTests) {
      this.segmentTests = this.dirs.map((seg) => {
        if (seg.includes('**')) return 'any';
        try {
          return compilePattern(seg);
        } catch {
          return 'any'; // matching reports the error; do not skip on its account
        }
      });
    }
    const n = Math.min(dirSegments.length, this.segmentTests.length);
    for (let i = 0; i < n; i++) {
      const t = this.segmentTests[i]!;
      if (t === 'any') return true;
      if (!t(dirSegments[i]!)) return false;
    }
    return true;
  }
}

export class PatternMatcher {
  readonly patterns: readonly IgnorePattern[];
  /** true when any pattern starts with `!` */
  readonly hasExclusions: boolean;
  private readonly compiled: CompiledPattern[];
  private readonly exclusions: CompiledPattern[];

  /** patternmatcher.New: trims, drops empty patterns, cleans, validates. Throws E_DOCKERIGNORE. */
  constructor(patterns: readonly string[]) {
    this.compiled = [];
    let hasExclusions = false;
    for (const raw of patterns) {
      let p = trimSpace(raw);
      if (p === '') continue;
      p = cleanPath(p);
      let exclusion = false;
      if (p.startsWith('!')) {
        if (p.length === 1) throw badPattern(raw, 'illegal exclusion pattern: "!"');
        exclusion = true;
        p = p.slice(1);
        hasExclusions = true;
      }
      if (!isValidGlob(p)) throw badPattern(raw, 'syntax error in pattern');
      this.compiled.push(new CompiledPattern(p, exclusion));
    }
    this.patterns = this.compiled;
    this.exclusions = this.compiled.filter((p) => p.exclusion);
    this.hasExclusions = hasExclusions;
  }

  /**
   * MatchesOrParentMatches: is `path` (slash-separated, relative to the context, not cleaned here)
   * excluded? Each pattern is tested against the path and every parent directory prefix.
   */
  matches(path: string): boolean {
    const parent = dirPath(path);
    let prefixes: string[] | undefined;
    let matched = false;
    for (const p of this.compiled) {
      if (p.exclusion !== matched) continue;
      let match = p.matches(path);
      if (!match && parent !== '.') {
        prefixes ??= parentPrefixes(parent);
        match = prefixes.some((dir) => p.matchesDir(dir));
      }
      if (match) matched = !p.exclusion;
    }
    return matched;
  }

  /**
   * MatchesUsingParentResults, for walkers that visit a directory before its contents: pass the
   * MatchInfo returned for the parent directory (EMPTY_MATCH_INFO at the top, or when unknown).
   */
  matchesUsingParentResults(path: string, parentInfo: MatchInfo = EMPTY_MATCH_INFO): { matched: boolean; info: MatchInfo } {
    const parentMatched = parentInfo.parentMatched;
    if (parentMatched.length !== 0 && parentMatched.length !== this.compiled.length) {
      throw new ParseError('E_DOCKERIGNORE', 'wrong number of values in parentMatched');
    }
    const info: boolean[] = new Array<boolean>(this.compiled.length).fill(false);
    let matched = false;
    this.compiled.forEach((p, i) => {
      let match = parentMatched.length !== 0 ? parentMatched[i]! : false;
      if (!match) {
        if (p.exclusion !== matched) return;
        match = p.matches(path);
        if (!match && parentMatched.length === 0) {
          const parent = dirPath(path);
          if (parent !== '.') match = parentPrefixes(parent).some((dir) => p.matchesDir(dir));
        }
      }
      info[i] = match;
      if (match) matched = !p.exclusion;
    });
    return { matched, info: { parentMatched: info } };
  }

  /**
   * True when `dirPath` is excluded and so is everything below it: no `!` pattern could re-include
   * a descendant. A context walker may then skip the whole directory without reading it.
   */
  canSkipDir(dir: string): boolean {
    if (!this.matches(dir)) return false;
    if (this.exclusions.length === 0) return true;
    const segments = dir.split('/');
    return !this.exclusions.some((p) => p.couldMatchWithin(segments));
  }
}

/** `a/b/c` → [`a`, `a/b`, `a/b/c`] (Go: Join(parentPathDirs[:i+1])) */
function parentPrefixes(parent: string): string[] {
  const dirs = parent.split('/');
  const out: string[] = new Array<string>(dirs.length);
  let prefix = '';
  for (let i = 0; i < dirs.length; i++) {
    prefix = i === 0 ? dirs[0]! : prefix + '/' + dirs[i]!;
    out[i] = prefix;
  }
  return out;
}

/**
 * patternmatcher.MatchesOrParentMatches(file, patterns): clean the path; `.` (the context root)
 * is never excluded. Throws E_DOCKERIGNORE for a bad pattern.
 */
export function matchesOrParentMatches(path: string, patterns: readonly string[]): boolean {
  const pm = new PatternMatcher(patterns);
  const file = cleanPath(path);
  if (file === '.') return false;
  return pm.matches(file);
}
