import type { StopsignalInstruction } from '@tsbuild/parser';
import type { StepContext } from '../solve/types.js';
import { addHistory } from './history.js';
import { checkSignal } from './signal.js';

/** STOPSIGNAL (expanded): refused unless it names a signal (current BuildKit's dispatchStopSignal). */
export function dispatchStopsignal(ctx: StepContext<StopsignalInstruction>): void {
  checkSignal(ctx.instr.signal);
  ctx.state.config.config.StopSignal = ctx.instr.signal;
  addHistory(ctx, `STOPSIGNAL ${ctx.instr.signal}`, false);
}
