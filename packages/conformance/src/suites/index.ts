import type { Suite } from '../types.js';
import { shellEnvvar } from './shell-envvar.js';
import { shellWords } from './shell-words.js';
import { shellMatches } from './shell-matches.js';
import { parser } from './parser.js';
import { parserHeredoc } from './parser-heredoc.js';
import { dockerignore } from './dockerignore.js';
import { dockerignoreExtra } from './dockerignore-extra.js';
import { frontendSuite } from './frontend.js';

/** Every suite, in report order. Each lives in its own file in this folder. */
export const suites: Suite[] = [
  shellEnvvar,
  shellWords,
  shellMatches,
  parser,
  parserHeredoc,
  dockerignore,
  dockerignoreExtra,
  frontendSuite,
];
