import type { EntrypointInstruction } from '@tsbuild/parser';
import type { StepContext } from '../solve/types.js';
import { commandArgs } from './commandArgs.js';
import { goQuoteSlice } from './goFormat.js';
import { addHistory } from './history.js';

/** ENTRYPOINT resets an inherited CMD unless this stage set CMD itself. */
export function dispatchEntrypoint(ctx: StepContext<EntrypointInstruction>): void {
  const args = commandArgs(ctx.instr.cmd, ctx.state.config);
  const cfg = ctx.state.config.config;
  cfg.Entrypoint = args;
  if (!ctx.state.cmdSet) delete cfg.Cmd;
  cfg.ArgsEscaped = true;
  addHistory(ctx, `ENTRYPOINT ${goQuoteSlice(args)}`, false);
}
