import type { EnvInstruction } from '@tsbuild/parser';
import type { EnvSlots, StageState, StepContext } from '../solve/types.js';
import { addHistory } from './history.js';

/** ENV k=v …: replace in place in the image Env, visible to later steps. */
export function dispatchEnv(ctx: StepContext<EnvInstruction>): void {
  const cfg = ctx.state.config.config;
  const env = (cfg.Env ??= []);
  for (const { key, value } of ctx.instr.env) {
    let slots = envSlots(ctx.state, env);
    let i = slots.at.get(key);
    // an entry changed in place behind dispatchEnv's back: the map no longer names it
    if (i !== undefined && env[i] !== key && !env[i]!.startsWith(`${key}=`)) {
      ctx.state.envSlots = undefined;
      slots = envSlots(ctx.state, env);
      i = slots.at.get(key);
    }
    if (i !== undefined) env[i] = `${key}=${value}`;
    else {
      slots.at.set(key, env.length);
      env.push(`${key}=${value}`);
    }
    slots.length = env.length;
    ctx.state.vars.setEnv(key, value);
  }
  addHistory(ctx, `ENV ${ctx.instr.env.map((kv) => `${kv.key}=${kv.value}`).join(' ')}`, false);
}

/**
 * The stage's name → position map of `env`: the first entry named so (`K=v`, or a bare `K`), what
 * a search from the front finds. Searching the array per name made a Dockerfile of 30,000 ENV
 * lines quadratic (~8 of its 14 s); the map is built once per Env array and rebuilt should the
 * array be another one or have changed length (or the entry found) behind dispatchEnv's back.
 */
function envSlots(state: StageState, env: string[]): EnvSlots {
  const s = state.envSlots;
  if (s && s.env === env && s.length === env.length) return s;
  const at = new Map<string, number>();
  env.forEach((e, i) => {
    const eq = e.indexOf('=');
    const name = eq < 0 ? e : e.slice(0, eq);
    if (!at.has(name)) at.set(name, i);
  });
  return (state.envSlots = { env, length: env.length, at });
}
