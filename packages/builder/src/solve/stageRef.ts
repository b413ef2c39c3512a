import type { Stage } from '@tsbuild/parser';
import type { SolveContext, StageResult } from './types.js';

/**
 * `--from=<name|index>` / `FROM <name>`: the stage it names, if any (only earlier stages count).
 * A stage index only counts for `--from` (`via: 'from'`): BuildKit's FROM looks a base up in
 * statesByName alone (dockerfile2llb convert.go addState), so `FROM 0` is the image `docker.io/library/0`.
 */
export function findStage(stages: readonly Stage[], ref: string, before: number, via: 'FROM' | 'from' = 'from'): Stage | undefined {
  const lower = ref.toLowerCase();
  const named = stages.find((s) => s.index < before && s.name === lower);
  if (named) return named;
  if (via === 'from' && /^\d+$/.test(ref)) {
    const i = Number(ref);
    if (i < before) return stages[i];
  }
  return undefined;
}

/** Wait for another stage's result (stages are solved as promises so dependents can await them). */
export async function stageResult(solve: SolveContext, index: number): Promise<StageResult> {
  const p = solve.stageResults.get(index);
  if (p) return p;
  if (!solve.scheduleStage) throw new Error(`internal: stage ${index} was not scheduled`);
  return solve.scheduleStage(index);
}
