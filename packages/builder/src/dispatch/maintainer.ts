import type { MaintainerInstruction } from '@tsbuild/parser';
import type { StepContext } from '../solve/types.js';
import { addHistory } from './history.js';

export function dispatchMaintainer(ctx: StepContext<MaintainerInstruction>): void {
  ctx.state.config.author = ctx.instr.maintainer;
  addHistory(ctx, `MAINTAINER ${ctx.instr.maintainer}`, false);
}
