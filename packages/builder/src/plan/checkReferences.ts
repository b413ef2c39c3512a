/**
 * Every image name a build takes — FROM, `COPY --from`, `RUN --mount from=`, `-t` — checked against
 * Docker's reference grammar before any work starts, so `FROM platform-` (an unset ARG) fails as
 * BuildKit fails it ("failed to parse stage name …: invalid reference format") instead of as a
 * missing image after earlier stages ran, and `-t Uxts/Mini:UP` fails before building.
 */
import { parseReference, type StoreError } from '@tsbuild/layerstore';
import type { Dockerfile, Instruction, StageGraph } from '@tsbuild/parser';
import { BuildError } from '../errors.js';
import { expandStep } from '../solve/expand.js';
import { findStage } from '../solve/stageRef.js';
import { StageVars } from '../solve/vars.js';

type Location = BuildError['location'];

/** BuildKit's error for a base/`--from` name that is neither a stage nor a valid reference (dockerfile2llb convert.go). */
export function checkImageName(name: string, location?: Location): void {
  try {
    parseReference(name);
  } catch (err) {
    const reason = ((err as StoreError).data?.reason as string | undefined) ?? (err as Error).message;
    throw new BuildError('E_INVALID_REFERENCE', `failed to parse stage name ${JSON.stringify(name)}: ${reason}`, { location, data: { ref: name, reason }, cause: err });
  }
}

/** `-t` / `--tag` values (buildx: `invalid tag "X": reason`); a digest cannot be a tag. */
export function checkTags(tags: readonly string[]): void {
  for (const t of tags) {
    let reason: string | undefined;
    try {
      if (parseReference(t).digest) reason = 'a tag cannot hold a digest reference';
    } catch (err) {
      reason = ((err as StoreError).data?.reason as string | undefined) ?? (err as Error).message;
    }
    if (reason) throw new BuildError('E_INVALID_REFERENCE', `invalid tag ${JSON.stringify(t)}: ${reason}`, { data: { ref: t, reason } });
  }
}

/**
 * FROM names of the stages the target needs (expanded with the global ARGs, as FROM is), and the
 * `--from` values that need no stage-scoped expansion. The rest (`--from=$STAGE_ARG`) is checked
 * where it is expanded (sourceState).
 */
export function checkStageReferences(dockerfile: Dockerfile, graph: StageGraph, globalArgs: ReadonlyMap<string, string | undefined>, builtins: ReadonlyMap<string, string>): void {
  const file = dockerfile.file;
  const escape = dockerfile.directives.escape;
  for (const index of graph.order) {
    const stage = dockerfile.stages[index]!;
    const loc: Location = { file, line: stage.from.range.start.line, get column() { return stage.from.range.start.column; } };
    const globals = new StageVars([], new Map(), {});
    for (const [k, v] of builtins) if (k !== 'TARGETSTAGE') globals.setEnv(k, v);
    for (const [k, v] of globalArgs) if (v !== undefined) globals.setEnv(k, v);
    const image = expandStep(stage.from, globals, escape, loc).image;
    // BuildKit (dockerfile2llb buildDispatchStates): a FROM that expands to nothing, before any reference parsing
    if (image === '') throw new BuildError('E_INVALID_REFERENCE', `base name (${stage.from.image}) should not be blank`, { location: loc, data: { ref: stage.from.image } });
    if (image !== 'scratch' && !findStage(dockerfile.stages, image, index, 'FROM')) checkImageName(image, loc);
    for (const instr of stage.instructions) {
      for (const from of fromValues(instr)) {
        if (from.includes('$') || findStage(dockerfile.stages, from, index) || /^\d+$/.test(from)) continue;
        checkImageName(from, { file, line: instr.range.start.line, get column() { return instr.range.start.column; } });
      }
    }
  }
}

function fromValues(instr: Instruction): string[] {
  if ((instr.kind === 'COPY' || instr.kind === 'ADD') && 'from' in instr && typeof instr.from === 'string') return [instr.from];
  if (instr.kind === 'RUN') return instr.mounts.flatMap((m) => ('from' in m && typeof m.from === 'string' ? [m.from] : []));
  return [];
}
