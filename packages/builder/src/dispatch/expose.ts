import type { ExposeInstruction } from '@tsbuild/parser';
import type { StepContext } from '../solve/types.js';
import { goSlice } from './goFormat.js';
import { addHistory } from './history.js';
import { portKeys } from './portSpec.js';

export { portKeys } from './portSpec.js';

/**
 * EXPOSE, as current BuildKit's dispatchExpose (dockerfile2llb/convert_expose.go): the parser
 * sorted the raw words (instructions/parse.go `parseExpose`: `slices.Sort(req.args)`), expansion
 * split them into words (`ProcessWords`), and each word's keys follow in that order — duplicates
 * kept — into the history text `EXPOSE [p/proto …]` (`%v` of the list). The config's
 * ExposedPorts is a set. (docker 20.10's BuildKit v0.8 printed the Go map instead, sorted and
 * deduplicated: see fixtures/differential/README.md.)
 */
export function dispatchExpose(ctx: StepContext<ExposeInstruction>): void {
  const cfg = ctx.state.config.config;
  const exposed = (cfg.ExposedPorts ??= {});
  const keys = ctx.instr.ports.flatMap(portKeys);
  for (const k of keys) exposed[k] = {};
  addHistory(ctx, `EXPOSE ${goSlice(keys)}`, false);
}
