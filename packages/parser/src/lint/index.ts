export { lint } from './lint.js';
export type { LintOptions, LintResult, LintWarning } from './lint.js';
export { RULES, RULE_NAMES } from './rules.js';
export type { RuleName, LintRule } from './rules.js';
export { parseCheckOptions } from './config.js';
export type { LintConfig } from './config.js';
