/**
 * `# check=skip=Rule1,Rule2;error=true` (the directive, or `--build-arg BUILDKIT_DOCKERFILE_CHECK`),
 * parsed as BuildKit's linter.ParseLintOptions: up to three `;`-separated `key=value` parts, keys
 * skip (a list or `all`), error (a Go bool), experimental (accepted: tsbuild has no experimental rules).
 */
import { ParseError } from '../errors.js';
import type { SourceRange } from '../types.js';

export interface LintConfig {
  skip: Set<string>;
  skipAll: boolean;
  /** violations fail the build (E_LINT) */
  error: boolean;
}

const GO_BOOL: Record<string, boolean> = { '1': true, t: true, T: true, TRUE: true, true: true, True: true, '0': false, f: false, F: false, FALSE: false, false: false, False: false };

export function parseCheckOptions(text: string | undefined, where?: { file: string; range: SourceRange }): LintConfig {
  const cfg: LintConfig = { skip: new Set(), skipAll: false, error: false };
  const s = (text ?? '').trim();
  if (s === '') return cfg;
  // SplitN(…, 3): a third part keeps any further `;` in its value
  const parts = s.split(';');
  const limited = parts.length > 3 ? [...parts.slice(0, 2), parts.slice(2).join(';')] : parts;
  for (const p of limited) {
    const eq = p.indexOf('=');
    if (eq < 0) throw new ParseError('E_CHECK_DIRECTIVE', `invalid check option ${JSON.stringify(p)}`, where);
    const k = p.slice(0, eq).trim();
    const v = p.slice(eq + 1).trim();
    if (k === 'skip') {
      if (v === 'all') cfg.skipAll = true;
      else for (const r of v.split(',')) cfg.skip.add(r.trim());
    } else if (k === 'error') {
      if (!(v in GO_BOOL)) throw new ParseError('E_CHECK_DIRECTIVE', `failed to parse check option ${JSON.stringify(p)}: invalid syntax`, where);
      cfg.error = GO_BOOL[v]!;
    } else if (k === 'experimental') {
      // no experimental rules here
    } else throw new ParseError('E_CHECK_DIRECTIVE', `invalid check option ${JSON.stringify(k)}`, where);
  }
  return cfg;
}
