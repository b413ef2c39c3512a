import type { ArgInstruction } from '@tsbuild/parser';
import type { StepContext } from '../solve/types.js';
import { addHistory } from './history.js';

/** ARG name[=default] …: the value comes from --build-arg, the default, or the global ARG. */
export function dispatchArg(ctx: StepContext<ArgInstruction>): void {
  for (const a of ctx.instr.args) ctx.state.vars.declareArg(a.name, a.value);
  addHistory(ctx, `ARG ${ctx.instr.args.map((a) => (a.value === undefined ? a.name : `${a.name}=${a.value}`)).join(' ')}`, false);
}
