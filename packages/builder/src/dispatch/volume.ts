import type { VolumeInstruction } from '@tsbuild/parser';
import { BuildError } from '../errors.js';
import type { StepContext } from '../solve/types.js';
import { goSlice } from './goFormat.js';
import { addHistory } from './history.js';

export function dispatchVolume(ctx: StepContext<VolumeInstruction>): void {
  const cfg = ctx.state.config.config;
  const vols = (cfg.Volumes ??= {});
  for (const v of ctx.instr.volumes) {
    if (v === '') throw new BuildError('E_USAGE', 'VOLUME specified can not be an empty string', { location: ctx.location });
    vols[v] = {};
  }
  addHistory(ctx, `VOLUME ${goSlice(ctx.instr.volumes)}`, false);
}
