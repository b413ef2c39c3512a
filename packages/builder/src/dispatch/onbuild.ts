import type { OnbuildInstruction } from '@tsbuild/parser';
import type { StepContext } from '../solve/types.js';

/** ONBUILD only records its trigger; BuildKit writes no history entry for it. */
export function dispatchOnbuild(ctx: StepContext<OnbuildInstruction>): void {
  const cfg = ctx.state.config.config;
  (cfg.OnBuild ??= []).push(ctx.raw.expression);
}
