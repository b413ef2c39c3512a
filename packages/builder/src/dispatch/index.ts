/** Instruction kind → its dispatcher (one file each; FROM is the stage's start, see solve/solveStage.ts). */
import type { Instruction, InstructionKind } from '@tsbuild/parser';
import type { Dispatcher } from '../solve/types.js';
import { dispatchAdd } from './add.js';
import { dispatchArg } from './arg.js';
import { dispatchCmd } from './cmd.js';
import { dispatchCopy } from './copy.js';
import { dispatchEntrypoint } from './entrypoint.js';
import { dispatchEnv } from './env.js';
import { dispatchExpose } from './expose.js';
import { dispatchHealthcheck } from './healthcheck.js';
import { dispatchLabel } from './label.js';
import { dispatchMaintainer } from './maintainer.js';
import { dispatchOnbuild } from './onbuild.js';
import { dispatchRun } from './run.js';
import { dispatchShell } from './shell.js';
import { dispatchStopsignal } from './stopsignal.js';
import { dispatchUser } from './user.js';
import { dispatchVolume } from './volume.js';
import { dispatchWorkdir, workdirMakesLayer } from './workdir.js';

type Table = { [K in Exclude<InstructionKind, 'FROM'>]: Dispatcher<Extract<Instruction, { kind: K }>> };

export const DISPATCHERS: Table = {
  RUN: dispatchRun,
  COPY: dispatchCopy,
  ADD: dispatchAdd,
  WORKDIR: dispatchWorkdir,
  ENV: dispatchEnv,
  ARG: dispatchArg,
  LABEL: dispatchLabel,
  CMD: dispatchCmd,
  ENTRYPOINT: dispatchEntrypoint,
  USER: dispatchUser,
  EXPOSE: dispatchExpose,
  VOLUME: dispatchVolume,
  STOPSIGNAL: dispatchStopsignal,
  HEALTHCHECK: dispatchHealthcheck,
  SHELL: dispatchShell,
  ONBUILD: dispatchOnbuild,
  MAINTAINER: dispatchMaintainer,
};

/** Instructions that are build steps of their own in BuildKit's progress (`[stage n/m]`). */
export function isProgressStep(instr: Instruction): boolean {
  if (instr.kind === 'WORKDIR') return workdirMakesLayer(instr.path);
  return instr.kind === 'RUN' || instr.kind === 'COPY' || instr.kind === 'ADD';
}
