import type { ArgInstruction } from '@tsbuild/parser';
import { expandStep } from '../solve/expand.js';
import type { StepContext } from '../solve/types.js';
import { addHistory } from './history.js';

/**
 * ARG name[=default] …: the value comes from --build-arg, the default, the global ARG, or a builtin.
 * Defaults expand one at a time (`ARG A=1 B=$A` sees A), and not at all when a build arg is given
 * (so `ARG FOO=${FOO:?err}` passes with --build-arg FOO=x). `ctx.instr` arrives unexpanded.
 */
export function dispatchArg(ctx: StepContext<ArgInstruction>): void {
  const vars = ctx.state.vars;
  const shown: string[] = [];
  for (const a of ctx.raw.args) {
    let value = a.value;
    if (value !== undefined && !vars.hasBuildArg(a.name)) {
      value = expandStep({ ...ctx.raw, args: [a] }, vars, ctx.solve.dockerfile.directives.escape, ctx.location).args[0]!.value;
    }
    vars.declareArg(a.name, value);
    shown.push(value === undefined ? a.name : `${a.name}=${value}`);
  }
  addHistory(ctx, `ARG ${shown.join(' ')}`, false);
}
