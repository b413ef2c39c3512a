export { readDockerignore } from './read.js';
export { PatternMatcher, matchesOrParentMatches, EMPTY_MATCH_INFO } from './matcher.js';
export type { IgnorePattern, MatchInfo } from './matcher.js';
