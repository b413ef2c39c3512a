import { ParseError } from '../errors.js';
import type { Dockerfile, Stage, StageDependency, StageGraph } from '../types.js';
import { withSuggestion } from '../suggest.js';

export interface StageGraphOptions {
  /** target stage name (case-insensitive); default: the last stage */
  target?: string;
  /**
   * Expands a stage reference (`FROM ${BASE}`, `--from=$X`) before it is looked up, e.g. with the global
   * ARGs through `ShellLex`. Without it, a reference containing `$` can never name a stage and is treated
   * as an image reference (no edge), which is what it is unless a build arg makes it a stage name.
   */
  resolve?: (word: string, stage: Stage) => string;
}

/**
 * Stage dependencies and the stages needed for a target in build order (deps first).
 * Edges: `FROM <earlier stage name>`, `COPY --from=<name|index>`, `RUN --mount=…,from=<name|index>`. A name that
 * is no stage is an image reference; a numeric reference must be a valid stage index.
 */
export function stageGraph(df: Dockerfile, opts: StageGraphOptions = {}): StageGraph {
  const byName = new Map<string, number>();
  for (const s of df.stages) if (s.name !== undefined) byName.set(s.name, s.index);
  const edges: StageDependency[] = [];
  /** where each stage→stage edge comes from (the first instruction making it), for the cycle error */
  const edgeRange = new Map<string, Stage['range']>();
  /** `COPY --from` a stage that is not above it: BuildKit fails it only when it dispatches that stage */
  const forwardCopy = new Map<number, { msg: string; range: Stage['range'] }>();
  const deps = new Map<number, number[]>();
  const fail = (msg: string, s: Stage, range = s.from.range): never => {
    throw new ParseError('E_STAGE', msg, { file: df.file, range });
  };

  for (const s of df.stages) {
    const list: number[] = [];
    const add = (to: number, via: StageDependency['via'], range = s.from.range): void => {
      edges.push({ from: s.index, to, via });
      if (!list.includes(to)) list.push(to);
      if (!edgeRange.has(`${s.index}>${to}`)) edgeRange.set(`${s.index}>${to}`, range);
    };
    const lookup = (word: string, allowIndex: boolean, range = s.from.range, exactCase = false): number | undefined => {
      const w = opts.resolve ? opts.resolve(word, s) : word;
      const named = byName.get(exactCase ? w : w.toLowerCase());
      if (named !== undefined) return named;
      if (allowIndex && /^\d+$/.test(w)) {
        const i = Number(w);
        if (i >= df.stages.length) fail(`invalid stage index ${i}`, s, range);
        return i;
      }
      return undefined;
    };
    // FROM only sees stages defined above it: `FROM alpine AS alpine` and forward names are image references.
    // Unlike --from and --target, FROM matches a stage name case-sensitively (BuildKit's addState looks the
    // base name up as written, the names being lowercased): `FROM Build` after `AS build` is an image
    // reference, which then fails as one (repository names must be lowercase).
    const base = lookup(s.from.image, false, s.from.range, true);
    if (base !== undefined && base < s.index) add(base, 'FROM');
    for (const ins of s.instructions) {
      if (ins.kind === 'COPY' && ins.from !== undefined) {
        if (ins.from.includes('$')) fail('variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround', s, ins.range);
        const to = lookup(ins.from, true, ins.range);
        if (to !== undefined && to >= s.index && !forwardCopy.has(s.index)) {
          forwardCopy.set(s.index, { msg: `cannot copy from stage ${JSON.stringify(ins.from)}, it needs to be defined before current stage ${JSON.stringify(s.name ?? String(s.index))}`, range: ins.range });
        }
        if (to !== undefined) add(to, 'COPY', ins.range);
      } else if (ins.kind === 'RUN') {
        for (const m of ins.mounts) {
          if ((m.type === 'bind' || m.type === 'cache') && m.from !== undefined) {
            const to = lookup(m.from, true, ins.range);
            if (to !== undefined) add(to, 'MOUNT', ins.range);
          }
        }
      }
    }
    deps.set(s.index, list);
  }

  let target = df.stages.length - 1;
  if (opts.target !== undefined) {
    const t = byName.get(opts.target.toLowerCase());
    if (t === undefined) throw new ParseError('E_STAGE', withSuggestion(`target stage ${JSON.stringify(opts.target)} could not be found`, opts.target, byName.keys()), { file: df.file, range: df.stages[df.stages.length - 1]!.range });
    target = t;
  }

  checkCycles(df, deps, edgeRange, fail);

  const order: number[] = [];
  const state = new Map<number, 'visiting' | 'done'>();
  const visit = (i: number): void => {
    const st = state.get(i);
    if (st === 'done') return;
    const stage = df.stages[i]!;
    if (st === 'visiting') fail(`circular dependency detected on stage: ${stage.name ?? i}`, stage);
    state.set(i, 'visiting');
    for (const d of [...deps.get(i)!].sort((a, b) => a - b)) visit(d);
    state.set(i, 'done');
    order.push(i);
  };
  visit(target);
  for (const i of [...order].sort((a, b) => a - b)) {
    const f = forwardCopy.get(i);
    if (f) fail(f.msg, df.stages[i]!, f.range);
  }
  return { target, order, deps, edges };
}

/**
 * BuildKit's validateCircularDependency (dockerfile2llb/validations.go), run over every stage before any is
 * dispatched, reachable from the target or not: stages in order, one depth-first walk with a shared visited set;
 * the stage the walk started from names the error (`COPY --from=build` inside stage build: "build").
 */
function checkCycles(df: Dockerfile, deps: ReadonlyMap<number, number[]>, edgeRange: ReadonlyMap<string, Stage['range']>, fail: (msg: string, s: Stage, range?: Stage['range']) => never): void {
  const visited = new Set<number>();
  const path = new Set<number>();
  const visit = (i: number): string | undefined => {
    if (visited.has(i)) return undefined;
    visited.add(i);
    path.add(i);
    for (const d of deps.get(i) ?? []) {
      if (path.has(d)) return `${i}>${d}`;
      const back = visit(d);
      if (back) return back;
    }
    path.delete(i);
    return undefined;
  };
  for (const s of df.stages) {
    const back = visit(s.index);
    if (back) fail(`circular dependency detected on stage: ${s.name ?? s.index}`, s, edgeRange.get(back));
  }
}
