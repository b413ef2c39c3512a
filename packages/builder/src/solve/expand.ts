/**
 * Word expansion of one instruction with the stage's variables, through the parser's
 * `expandInstruction` (the solver never re-implements Dockerfile word rules).
 */
import { expandInstruction, type Instruction } from '@tsbuild/parser';
import { isErrorCode } from '@tsbuild/errors';
import { BuildError } from '../errors.js';
import type { StageVars } from './vars.js';

export function expandStep<I extends Instruction>(instr: I, vars: StageVars, escape: '\\' | '`', location: BuildError['location']): I {
  try {
    return expandInstruction(instr, vars, { escape, file: location?.file }) as I;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    throw new BuildError(isErrorCode(e.code) ? e.code : 'E_EXPAND', e.message ?? String(err), { location, cause: err });
  }
}
