import type { HealthcheckInstruction } from '@tsbuild/parser';
import type { ContainerConfig } from '@tsbuild/layerstore';
import type { StepContext } from '../solve/types.js';
import { goDuration } from './goFormat.js';
import { addHistory } from './history.js';

/**
 * HEALTHCHECK: history is Go's `%+v` of the HealthcheckConfig struct, as current BuildKit writes it
 * (dockerfile2llb/convert.go dispatchHealthcheck, since 2026-04):
 * `HEALTHCHECK {Test:[CMD-SHELL true] Interval:5s Timeout:0s StartPeriod:0s StartInterval:0s Retries:3}`.
 * (docker 20.10's BuildKit v0.8 printed `%q` of the pointer: `&{["CMD-SHELL" "true"] "5s" "0s" "0s" '\x03'}`.)
 */
export function dispatchHealthcheck(ctx: StepContext<HealthcheckInstruction>): void {
  const i = ctx.instr;
  const hc: NonNullable<ContainerConfig['Healthcheck']> = { Test: [...i.test] };
  if (i.interval) hc.Interval = i.interval;
  if (i.timeout) hc.Timeout = i.timeout;
  if (i.startPeriod) hc.StartPeriod = i.startPeriod;
  if (i.startInterval) hc.StartInterval = i.startInterval;
  if (i.retries) hc.Retries = i.retries;
  ctx.state.config.config.Healthcheck = hc;
  const d = (ns: number | undefined) => goDuration(ns ?? 0);
  const text = `{Test:[${hc.Test.join(' ')}] Interval:${d(hc.Interval)} Timeout:${d(hc.Timeout)} StartPeriod:${d(hc.StartPeriod)} StartInterval:${d(hc.StartInterval)} Retries:${hc.Retries ?? 0}}`;
  addHistory(ctx, `HEALTHCHECK ${text}`, false);
}
