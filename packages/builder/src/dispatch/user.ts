import type { UserInstruction } from '@tsbuild/parser';
import type { StepContext } from '../solve/types.js';
import { addHistory } from './history.js';

export function dispatchUser(ctx: StepContext<UserInstruction>): void {
  ctx.state.config.config.User = ctx.instr.user;
  addHistory(ctx, `USER ${ctx.instr.user}`, false);
}
