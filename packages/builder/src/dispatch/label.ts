import type { LabelInstruction } from '@tsbuild/parser';
import type { StepContext } from '../solve/types.js';
import { addHistory } from './history.js';

export function dispatchLabel(ctx: StepContext<LabelInstruction>): void {
  const cfg = ctx.state.config.config;
  const labels = (cfg.Labels ??= {});
  for (const { key, value } of ctx.instr.labels) labels[key] = value;
  addHistory(ctx, `LABEL ${ctx.instr.labels.map((kv) => `${kv.key}=${kv.value}`).join(' ')}`, false);
}
