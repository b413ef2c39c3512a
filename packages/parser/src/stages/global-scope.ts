import { expandInstruction } from '../expand-instruction.js';
import { ShellLex } from '../expand/lex.js';
import { VarScope, type VarScopeOptions } from '../scope.js';
import type { ArgInstruction, Dockerfile, Stage } from '../types.js';

/**
 * The global scope of a Dockerfile: predefined ARGs plus the ARGs before the first FROM, each default
 * expanded against the ARGs above it and overridden by build args (what FROM lines are expanded with).
 */
export function globalScope(df: Dockerfile, opts: VarScopeOptions = {}): VarScope {
  const scope = new VarScope(opts);
  const lex = new ShellLex(df.directives.escape);
  for (const arg of df.globalArgs) {
    const expanded = expandInstruction<ArgInstruction>(arg, scope, { lex, file: df.file });
    scope.declareArgs(expanded.args);
  }
  return scope;
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
