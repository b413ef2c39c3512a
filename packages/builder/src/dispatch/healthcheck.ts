import type { HealthcheckInstruction } from '@tsbuild/parser';
import type { ContainerConfig } from '@tsbuild/layerstore';
import type { StepContext } from '../solve/types.js';
import { goDuration, goQuote, goQuoteRune } from './goFormat.js';
import { addHistory } from './history.js';

/** HEALTHCHECK: history is Go's `%q` of the HealthConfig struct, as `docker build` writes it. */
export function dispatchHealthcheck(ctx: StepContext<HealthcheckInstruction>): void {
  const i = ctx.instr;
  const hc: NonNullable<ContainerConfig['Healthcheck']> = { Test: [...i.test] };
  if (i.interval) hc.Interval = i.interval;
  if (i.timeout) hc.Timeout = i.timeout;
  if (i.startPeriod) hc.StartPeriod = i.startPeriod;
  if (i.startInterval) hc.StartInterval = i.startInterval;
  if (i.retries) hc.Retries = i.retries;
  ctx.state.config.config.Healthcheck = hc;
  const text = `&{[${hc.Test.map(goQuote).join(' ')}] ${goQuote(goDuration(hc.Interval ?? 0))} ${goQuote(goDuration(hc.Timeout ?? 0))} ${goQuote(goDuration(hc.StartPeriod ?? 0))} ${goQuoteRune(hc.Retries ?? 0)}}`;
  addHistory(ctx, `HEALTHCHECK ${text}`, false);
}
