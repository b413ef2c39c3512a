import type { ShellInstruction } from '@tsbuild/parser';
import type { StepContext } from '../solve/types.js';
import { goSlice } from './goFormat.js';
import { addHistory } from './history.js';

export function dispatchShell(ctx: StepContext<ShellInstruction>): void {
  ctx.state.config.config.Shell = [...ctx.instr.shell];
  addHistory(ctx, `SHELL ${goSlice(ctx.instr.shell)}`, false);
}
