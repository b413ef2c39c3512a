import type { CmdInstruction } from '@tsbuild/parser';
import type { StepContext } from '../solve/types.js';
import { commandArgs } from './commandArgs.js';
import { goQuoteSlice } from './goFormat.js';
import { addHistory } from './history.js';

export function dispatchCmd(ctx: StepContext<CmdInstruction>): void {
  const args = commandArgs(ctx.instr.cmd, ctx.state.config);
  const cfg = ctx.state.config.config;
  cfg.Cmd = args;
  cfg.ArgsEscaped = true;
  ctx.state.cmdSet = true;
  addHistory(ctx, `CMD ${goQuoteSlice(args)}`, false);
}
