/**
 * Dockerfile text → typed stages → the stage graph for the target, plus the global ARG values
 * (defaults expanded in order, --build-arg overrides applied) and the predefined ARGs: the platform
 * ones given, TARGETSTAGE (the target stage's name, `default` when unnamed), --build-arg overriding
 * any of them (current BuildKit's dockerfile2llb/platform.go `defaultArgs`).
 */
import { parseDocument, stageGraph, type Dockerfile, type ParsedDockerfile, type StageGraph } from '@tsbuild/parser';
import { BuildError } from '../errors.js';
import { expandStep } from '../solve/expand.js';
import { globalVars } from '../solve/vars.js';
import type { DockerfileSource } from './readDockerfile.js';

export interface BuildPlan {
  dockerfile: Dockerfile;
  graph: StageGraph;
  globalArgs: Map<string, string | undefined>;
  /** the predefined ARGs (platform ones, TARGETSTAGE), build args applied */
  builtins: Map<string, string>;
}

export interface PlanOptions { target?: string | undefined; buildArgs?: Record<string, string> | undefined; builtins?: ReadonlyMap<string, string> | undefined }

/** The platform-independent part: the text parsed (once per build) and the target's stage graph. */
export interface ParsedPlan { parsed: ParsedDockerfile; graph: StageGraph }

export function parsePlan(src: DockerfileSource, opts: Pick<PlanOptions, 'target'>): ParsedPlan {
  const parsed = parseDocument(src.text, { file: src.file });
  if (parsed.dockerfile.stages.length === 0) throw new BuildError('E_PARSE', 'the Dockerfile has no FROM instruction', { location: { file: src.file, line: 1, column: 1 } });
  return { parsed, graph: stageGraph(parsed.dockerfile, { target: opts.target }) };
}

export function planBuild(src: DockerfileSource | ParsedPlan, opts: PlanOptions): BuildPlan {
  const { parsed, graph } = 'parsed' in src ? src : parsePlan(src, opts);
  const dockerfile = parsed.dockerfile;
  const buildArgs = opts.buildArgs ?? {};
  const builtins = new Map(opts.builtins ?? []);
  builtins.set('TARGETSTAGE', dockerfile.stages[graph.target]?.name ?? 'default');
  for (const k of builtins.keys()) if (Object.prototype.hasOwnProperty.call(buildArgs, k)) builtins.set(k, buildArgs[k]!);
  const globalArgs = new Map<string, string | undefined>();
  for (const argInstr of dockerfile.globalArgs) {
    const loc = { file: dockerfile.file, line: argInstr.range.start.line, get column() { return argInstr.range.start.column; } }; // columns are computed only when shown
    for (const a of argInstr.args) {
      if (Object.prototype.hasOwnProperty.call(buildArgs, a.name)) {
        // a given build arg wins and its default is never expanded
        globalArgs.set(a.name, buildArgs[a.name]);
        continue;
      }
      const vars = globalVars(builtins, globalArgs);
      const value = a.value === undefined ? undefined : expandStep({ ...argInstr, args: [a] }, vars, dockerfile.directives.escape, loc).args[0]!.value;
      globalArgs.set(a.name, value);
    }
  }
  return { dockerfile, graph, globalArgs, builtins };
}
