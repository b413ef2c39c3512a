/**
 * One stage: FROM → the base's ONBUILD triggers → each instruction through its dispatcher.
 * Step names and numbering follow BuildKit's progress (`[build 2/5] RUN make`): FROM and the
 * instructions that make a layer are steps; metadata instructions only change the config.
 */
import type { Instruction, Stage } from '@tsbuild/parser';
import { isErrorCode } from '@tsbuild/errors';
import { BuildError } from '../errors.js';
import { DISPATCHERS, isProgressStep } from '../dispatch/index.js';
import { expandStep } from './expand.js';
import { displayCommand, stepPrefix } from './stepName.js';
import { parseTriggers } from './triggers.js';
import { resolveBase } from './resolveBase.js';
import type { SolveContext, StageResult, StageState, StepContext } from './types.js';
import { globalVars, StageVars } from './vars.js';

export function stageLabel(stage: Stage): string {
  return stage.name ?? `stage-${stage.index}`;
}

export async function solveStage(solve: SolveContext, stage: Stage): Promise<StageResult> {
  const file = solve.dockerfile.file;
  const escape = solve.dockerfile.directives.escape;
  // several platforms: buildx's `[linux/arm64 build 2/5]`
  const label = solve.platformLabel ? `${solve.platformLabel} ${stageLabel(stage)}` : stageLabel(stage);
  // column is read lazily: the parser computes columns only when one is shown (see parser ast/columns.ts)
  const fromLoc = { file, line: stage.from.range.start.line, get column() { return stage.from.range.start.column; }, endLine: stage.from.range.end.line };
  const globals = globalVars(solve.builtinArgs, solve.globalArgs);
  // --platform is expanded too (`FROM --platform=$BUILDPLATFORM img`)
  const from = expandStep(stage.from, globals, escape, fromLoc);
  const image = from.image;

  // steps are counted before running so every name carries n/m
  const triggerInstrs: Instruction[] = [];
  const progressCount = (list: Instruction[]) => list.filter(isProgressStep).length;

  const fromName = `${stepPrefix(label, 1, 1 + progressCount(stage.instructions))}FROM ${image}`;
  const fromId = solve.progress.start(fromName, stage.index, 1, 1 + progressCount(stage.instructions));
  let base;
  try {
    base = await resolveBase(solve, from, image, stage.index, fromLoc);
  } catch (err) {
    solve.progress.error(fromId, fromName, (err as Error).message);
    throw err;
  }
  triggerInstrs.push(...parseTriggers(base.onBuild, file));
  const all = [...triggerInstrs, ...stage.instructions];
  const triggerSet = new Set<Instruction>(triggerInstrs);
  const total = 1 + progressCount(all);
  solve.progress.done(fromId, fromName, true);
  solve.steps.push({ name: fromName, stage: stage.index, index: 1, instruction: stage.from.original, cached: true, durationMs: 0, ...(solve.platformLabel ? { platform: solve.platformLabel } : {}) });

  const noCache = solve.options.noCache === true || (Array.isArray(solve.options.noCache) && solve.options.noCache.some((s) => s.toLowerCase() === stage.name || s === String(stage.index)));
  const state: StageState = {
    stage,
    label,
    config: base.config,
    layers: base.layers,
    fsKey: base.fsKey,
    cmdSet: false,
    vars: new StageVars(base.config.config.Env ?? [], solve.globalArgs, solve.options.buildArgs ?? {}, solve.builtinArgs),
    parentMissed: false,
    noCache,
    platform: base.platform,
  };
  if (base.vars) state.vars.inheritEnv(base.vars);

  let n = 1;
  for (const raw of all) {
    solve.signal?.throwIfAborted();
    // an inherited ONBUILD trigger has no line of its own in this Dockerfile: errors point at FROM
    const location = triggerSet.has(raw) ? fromLoc : { file, line: raw.range.start.line, get column() { return raw.range.start.column; }, endLine: raw.range.end.line };
    const visible = isProgressStep(raw);
    if (visible) n++;
    // shown as BuildKit shows it: variables expanded with the values before this step
    // an inherited trigger is shown as BuildKit shows it: `[stage 2/3] ONBUILD RUN …`
    const name = stepPrefix(label, n, total) + (triggerSet.has(raw) ? 'ONBUILD ' : '') + (visible ? displayCommand(raw, state.vars, escape) : raw.original);
    const stepId = visible ? solve.progress.start(name, stage.index, n, total) : '';
    const t0 = Date.now();
    state.lastStep = undefined;
    try {
      // ONBUILD keeps its trigger as written; ARG expands its defaults itself (one by one)
      const instr = raw.kind === 'ONBUILD' || raw.kind === 'ARG' ? raw : expandStep(raw, state.vars, escape, location);
      const ctx: StepContext = { solve, state, instr, raw, step: { id: stepId, name, stage: stage.index, index: n, total }, location };
      await (DISPATCHERS[raw.kind as Exclude<Instruction['kind'], 'FROM'>] as (c: StepContext) => Promise<void> | void)(ctx);
    } catch (err) {
      const e = wrap(err, location, name);
      if (visible) solve.progress.error(stepId, name, e.message);
      throw e;
    }
    if (!visible) continue;
    const outcome = state.lastStep as StageState['lastStep'];
    const cached = outcome?.cached ?? true;
    if (cached) solve.progress.cached(stepId, name);
    const missReason = outcome?.missReason;
    const durationMs = solve.progress.done(stepId, name, cached, missReason);
    solve.steps.push({
      name, stage: stage.index, index: n, instruction: raw.original, cacheKey: state.fsKey, cached, missReason,
      durationMs: durationMs ?? Date.now() - t0, layer: state.layers[state.layers.length - 1]?.digest, ...(solve.platformLabel ? { platform: solve.platformLabel } : {}),
    });
  }
  return { index: stage.index, config: state.config, layers: state.layers, fsKey: state.fsKey, vars: state.vars, platform: state.platform };
}

/** The step's error with the step's location and name (`data.step`), when it has none of its own. */
function wrap(err: unknown, location: BuildError['location'], step: string): Error {
  if (err instanceof BuildError) {
    if (err.location) return err;
    return new BuildError(err.code, err.message, { data: { step, ...err.data }, location, cause: err.cause });
  }
  const e = err as { code?: string; message?: string; name?: string };
  if (e && e.name === 'AbortError') return new BuildError('E_CANCELLED', 'build cancelled', { location, cause: err, data: { step } });
  if (e && isErrorCode(e.code)) return new BuildError(e.code, e.message ?? String(err), { location, cause: err, data: { step } });
  return err instanceof Error ? err : new Error(String(err));
}
