import type { StopsignalInstruction } from '@tsbuild/parser';
import type { StepContext } from '../solve/types.js';
import { addHistory } from './history.js';

export function dispatchStopsignal(ctx: StepContext<StopsignalInstruction>): void {
  ctx.state.config.config.StopSignal = ctx.instr.signal;
  addHistory(ctx, `STOPSIGNAL ${ctx.instr.signal}`, false);
}
