import type { Stage } from '@tsbuild/parser';
import type { SolveContext, StageResult } from './types.js';

/**
 * `--from=<name|index>` / `FROM <name>`: the stage it names, if any (only earlier stages count).
 * BuildKit's FROM looks a base up in statesByName alone and as written (dockerfile2llb convert.go addState):
 * no stage index (`FROM 0` is the image `docker.io/library/0`) and no case folding (names are stored
 * lowercased, so `FROM Build` after `AS build` is an image reference, and an invalid one); `--from`
 * (`via: 'from'`, findStateByName) takes an index and matches a name in any case.
 */
export function findStage(stages: readonly Stage[], ref: string, before: number, via: 'FROM' | 'from' = 'from'): Stage | undefined {
  const name = via === 'FROM' ? ref : ref.toLowerCase();
  const named = stages.find((s) => s.index < before && s.name === name);
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
