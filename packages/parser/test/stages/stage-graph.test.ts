import { describe, expect, it } from 'vitest';
import { parse } from '../../src/parse.js';
import { stageGraph } from '../../src/stages/stage-graph.js';
import { errorOf, parseError } from '../helpers.js';

const df = parse(`ARG BASE=busybox
ARG V
FROM $BASE AS base
RUN true
FROM base AS deps
RUN --mount=type=bind,from=tools,target=/t true
FROM scratch AS tools
COPY --from=0 /a /a
FROM alpine AS Final
COPY --from=deps /x /x
COPY --from=tools /y /y
COPY --from=nginx:latest /etc/nginx /n
`);

describe('splitStages', () => {
  it('global args, stages, names, ranges', () => {
    expect(df.globalArgs.map((a) => a.args[0]!.name)).toEqual(['BASE', 'V']);
    expect(df.stages.map((s) => [s.index, s.name])).toEqual([[0, 'base'], [1, 'deps'], [2, 'tools'], [3, 'final']]);
    expect(df.stages[1]!.range).toMatchObject({ start: { line: 5 }, end: { line: 6 } });
    expect(df.directives.escape).toBe('\\');
  });
  it('errors before the first FROM, duplicates, no stages', () => {
    expect(errorOf('RUN x\nFROM a').code).toBe('E_STAGE');
    expect(errorOf('FROM a AS x\nFROM b AS X').code).toBe('E_STAGE');
    expect(errorOf('ARG a').message).toBe('dockerfile contains no stages to build');
  });
  it('collects parser warnings', () => {
    expect(parse('FROM a\nRUN a \\\n\n b\n').warnings[0]).toMatchObject({ rule: 'NoEmptyContinuation', range: { start: { line: 4 } } });
  });
});

describe('stageGraph', () => {
  it('edges for FROM, COPY --from (name or index) and RUN --mount from; image refs are no edges', () => {
    const g = stageGraph(df);
    expect(g.target).toBe(3);
    expect(g.edges).toEqual([
      { from: 1, to: 0, via: 'FROM' },
      { from: 1, to: 2, via: 'MOUNT' },
      { from: 2, to: 0, via: 'COPY' },
      { from: 3, to: 1, via: 'COPY' },
      { from: 3, to: 2, via: 'COPY' },
    ]);
    expect(g.deps.get(3)).toEqual([1, 2]);
    expect(g.order).toEqual([0, 2, 1, 3]);
  });
  it('target selection, case-insensitive; only needed stages', () => {
    expect(stageGraph(df, { target: 'TOOLS' }).order).toEqual([0, 2]);
    expect(stageGraph(df, { target: 'base' }).order).toEqual([0]);
  });
  it('FROM names a stage only in its (lowercase) case; --from in any case', () => {
    const d = parse('FROM busybox AS Base\nFROM Base AS upper\nFROM base AS lower\nCOPY --from=BASE /a /a\n');
    expect(stageGraph(d).deps).toEqual(new Map([[0, []], [1, []], [2, [0]]]));
  });
  it('unknown target: E_STAGE with a suggestion', () => {
    const e = parseError(() => stageGraph(df, { target: 'tols' }));
    expect(e.code).toBe('E_STAGE');
    expect(e.message).toBe('target stage "tols" could not be found (did you mean tools?)');
  });
  it('resolves variable stage references through a callback', () => {
    const d = parse('ARG S=one\nFROM busybox AS one\nFROM ${S}\n');
    expect(stageGraph(d).deps.get(1)).toEqual([]);
    expect(stageGraph(d, { resolve: (w) => w.replace('${S}', 'one') }).deps.get(1)).toEqual([0]);
  });
  it('cycles, later stages, bad indices, variables in --from', () => {
    expect(stageGraph(parse('FROM b AS a\nFROM a AS b\n')).deps).toEqual(new Map([[0, []], [1, [0]]]));
    expect(stageGraph(parse('FROM alpine AS alpine\n')).deps.get(0)).toEqual([]);
    expect(parseError(() => stageGraph(parse('FROM x AS a\nRUN --mount=from=b,target=/b true\nFROM a AS b\n'))).message).toContain('circular dependency');
    expect(parseError(() => stageGraph(parse('FROM x AS a\nCOPY --from=a / /\n'))).code).toBe('E_STAGE');
    expect(parseError(() => stageGraph(parse('FROM x AS a\nCOPY --from=b / /\nFROM y AS b\nFROM a\n'))).message).toBe('cannot copy from stage "b", it needs to be defined before current stage "a"');
    expect(parseError(() => stageGraph(parse('FROM x\nCOPY --from=7 / /\n'))).message).toBe('invalid stage index 7');
    // BuildKit checks cycles over every stage before dispatching (validateCircularDependency), a COPY from a
    // later stage only when it dispatches the stage (convert.go dispatch)
    expect(parseError(() => stageGraph(parse('FROM x AS t\nFROM x AS build\nCOPY --from=build / /\n'))).message).toBe('circular dependency detected on stage: build');
    const unreachableSelf = parseError(() => stageGraph(parse('FROM x AS a\nCOPY --from=a / /\nFROM y AS b\n')));
    expect([unreachableSelf.message, unreachableSelf.location?.line]).toEqual(['circular dependency detected on stage: a', 2]);
    expect(parseError(() => stageGraph(parse('FROM x AS a\nCOPY --from=b / /\nFROM y AS b\nCOPY --from=a / /\n'))).message).toBe('circular dependency detected on stage: a');
    expect(stageGraph(parse('FROM x AS a\nCOPY --from=b / /\nFROM y AS b\nFROM z AS c\n')).order).toEqual([2]);
    expect(parseError(() => stageGraph(parse('FROM x\nCOPY --from=$X / /\n'))).message).toContain('variable expansion is not supported for --from');
  });
});
