import type { ArgInstruction } from '@tsbuild/parser';
import { expandStep } from '../solve/expand.js';
import type { StepContext } from '../solve/types.js';
import { addHistory } from './history.js';

/**
 * ARG name[=default] …: the value comes from --build-arg, the default, the global ARG, or a builtin.
 * Defaults expand one at a time (`ARG A=1 B=$A` sees A), and not at all when a build arg is given
 * (so `ARG FOO=${FOO:?err}` passes with --build-arg FOO=x). `ctx.instr` arrives unexpanded.
 * History shows each name with the value it got, `ARG K=V` (K alone when it has none), as current
 * BuildKit's dispatchArg (dockerfile2llb/convert.go) builds commitStr after resolving the value;
 * docker 20.10's BuildKit v0.8 showed the written default instead.
 */
export function dispatchArg(ctx: StepContext<ArgInstruction>): void {
  const vars = ctx.state.vars;
  const shown: string[] = [];
  for (const a of ctx.raw.args) {
    let value = a.value;
    if (value !== undefined && !vars.hasBuildArg(a.name)) {
      value = expandStep({ ...ctx.raw, args: [a] }, vars, ctx.solve.dockerfile.directives.escape, ctx.location).args[0]!.value;
    }
    const got = vars.declareArg(a.name, value);
    shown.push(got === undefined ? a.name : `${a.name}=${got}`);
  }
  addHistory(ctx, `ARG ${shown.join(' ')}`, false);
}
