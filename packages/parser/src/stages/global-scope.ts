import { ExpandError, ParseError } from '../errors.js';
import { ShellLex } from '../expand/lex.js';
import { VarScope, type ExpandDefault, type VarScopeOptions } from '../scope.js';
import type { ArgInstruction, Dockerfile, Stage } from '../types.js';

/**
 * The global scope of a Dockerfile: predefined ARGs plus the ARGs before the first FROM, each default
 * expanded against the ARGs above it unless a build arg overrides it (what FROM lines are expanded with).
 * Throws a located `ExpandError` when a default that is used fails to expand (`ARG FOO=${FOO:?msg}`).
 */
export function globalScope(df: Dockerfile, opts: VarScopeOptions = {}): VarScope {
  const scope = new VarScope(opts);
  const lex = new ShellLex(df.directives.escape);
  for (const arg of df.globalArgs) scope.declareArgs(arg.args, argDefaultExpander(lex, arg, df.file));
  return scope;
}

/** `ExpandDefault` for `VarScope.declareArgs` that reports failures as located `ExpandError`s. */
export function argDefaultExpander(lex: ShellLex, arg: ArgInstruction, file = 'Dockerfile'): ExpandDefault {
  return (value, scope) => {
    try {
      return lex.processWord(value, scope);
    } catch (e) {
      if (e instanceof ParseError) throw new ExpandError(e.message, { file, range: arg.range });
      throw e;
    }
  };
}

/**
 * A `stageGraph` `resolve` callback: expands stage references in FROM lines with the global scope
 * (`FROM build-${TARGETOS}` names the stage `build-linux`). A reference that fails to expand is kept as
 * written; expanding FROM for real (and reporting its error) is the builder's job.
 */
export function stageRefResolver(scope: VarScope, escape: Dockerfile['directives']['escape'] = '\\'): (word: string, stage: Stage) => string {
  const lex = new ShellLex(escape);
  return (word) => {
    if (!word.includes('$')) return word;
    try {
      return lex.processWord(word, scope);
    } catch {
      return word;
    }
  };
}
