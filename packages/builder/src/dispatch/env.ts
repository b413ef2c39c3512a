import type { EnvInstruction } from '@tsbuild/parser';
import type { StepContext } from '../solve/types.js';
import { addHistory } from './history.js';

/** ENV k=v …: replace in place in the image Env, visible to later steps. */
export function dispatchEnv(ctx: StepContext<EnvInstruction>): void {
  const cfg = ctx.state.config.config;
  const env = (cfg.Env ??= []);
  for (const { key, value } of ctx.instr.env) {
    const i = env.findIndex((e) => e === key || e.startsWith(`${key}=`));
    if (i >= 0) env[i] = `${key}=${value}`;
    else env.push(`${key}=${value}`);
    ctx.state.vars.setEnv(key, value);
  }
  addHistory(ctx, `ENV ${ctx.instr.env.map((kv) => `${kv.key}=${kv.value}`).join(' ')}`, false);
}
