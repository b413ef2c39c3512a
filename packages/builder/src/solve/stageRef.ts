import type { Stage } from '@tsbuild/parser';
import type { SolveContext, StageResult } from './types.js';

/** `--from=<name|index>`: the stage it names, if any (only earlier stages count); names match in any case. */
export function findStage(stages: readonly Stage[], ref: string, before: number): Stage | undefined {
  const lower = ref.toLowerCase();
  const named = stages.find((s) => s.index < before && s.name === lower);
  if (named) return named;
  if (/^\d+$/.test(ref)) {
    const i = Number(ref);
    if (i < before) return stages[i];
  }
  return undefined;
}

/**
 * `FROM <name>`: the earlier stage it names, if any. Matched as written against the (lowercased) stage
 * names, as BuildKit's dispatchStates.addState does, so `FROM Build` after `AS build` is no stage but an
 * image reference (and an invalid one); `--from` and `--target` match in any case (findStateByName).
 */
export function findBaseStage(stages: readonly Stage[], ref: string, before: number): Stage | undefined {
  return stages.find((s) => s.index < before && s.name === ref);
}

/** Wait for another stage's result (stages are solved as promises so dependents can await them). */
export async function stageResult(solve: SolveContext, index: number): Promise<StageResult> {
  const p = solve.stageResults.get(index);
  if (p) return p;
  if (!solve.scheduleStage) throw new Error(`internal: stage ${index} was not scheduled`);
  return solve.scheduleStage(index);
}
