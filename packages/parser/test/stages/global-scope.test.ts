import { describe, expect, it } from 'vitest';
import { parse } from '../../src/parse.js';
import { globalScope, stageRefResolver } from '../../src/stages/global-scope.js';
import { stageGraph } from '../../src/stages/stage-graph.js';
import { parseError } from '../helpers.js';

describe('globalScope / stageRefResolver', () => {
  it('FROM build-${TARGETOS} names a stage once resolved with the global scope', () => {
    const df = parse('FROM scratch AS build-linux\nCOPY foo bar\nFROM build-${TARGETOS}\nCOPY foo2 bar2\n');
    expect(stageGraph(df).deps.get(1)).toEqual([]);
    const scope = globalScope(df, { targetPlatform: { os: 'linux', architecture: 'amd64' } });
    expect(stageGraph(df, { resolve: stageRefResolver(scope) }).deps.get(1)).toEqual([0]);
  });

  it('global ARG defaults expand against earlier ARGs; build args win; predefined ARGs can be overridden', () => {
    const df = parse('ARG A=1\nARG B=${A}2\nARG C\nFROM x\n');
    const s = globalScope(df, { buildArgs: { C: 'cli', TARGETOS: 'freebsd' }, targetStage: 'foo' });
    expect([s.get('A'), s.get('B'), s.get('C'), s.get('TARGETOS'), s.get('TARGETSTAGE')]).toEqual(['1', '12', 'cli', 'freebsd', 'foo']);
    expect(globalScope(df).get('TARGETSTAGE')).toBe('default');
    const stage = s.enterStage();
    stage.declareArgs([{ name: 'TARGETOS' }]);
    expect(stage.get('TARGETOS')).toBe('freebsd');
    expect([...s.usedArgs].sort()).toEqual(['C', 'TARGETOS']);
  });

  it('a default is only expanded when no build arg overrides it (global-arg-required-error)', () => {
    const df = parse('ARG FOO=${FOO:?"custom error"}\nFROM busybox\n');
    const e = parseError(() => globalScope(df));
    expect(e.code).toBe('E_EXPAND');
    expect(e.message).toContain('FOO: custom error');
    expect(e.location?.line).toBe(1);
    expect(globalScope(df, { buildArgs: { FOO: 'bar' } }).get('FOO')).toBe('bar');
  });

  it('a failing expansion keeps the word as written', () => {
    const df = parse('FROM ${X:?nope}\n');
    expect(stageRefResolver(globalScope(df))('${X:?nope}', df.stages[0]!)).toBe('${X:?nope}');
  });
});
