import { describe, expect, it } from 'vitest';
import { StageVars, DEFAULT_PATH } from '../../src/solve/vars.js';

describe('StageVars', () => {
  it('resolves ARG from build args, default, then global', () => {
    const v = new StageVars(['A=1'], new Map([['G', 'global']]), { B: 'fromcli' });
    expect(v.declareArg('B', 'dflt')).toBe('fromcli');
    expect(v.declareArg('C', 'dflt')).toBe('dflt');
    expect(v.declareArg('G', undefined)).toBe('global');
    expect(v.declareArg('U', undefined)).toBeUndefined();
    expect(v.get('A')).toBe('1');
    expect(v.historyArgs()).toEqual(['|4', 'B=fromcli', 'C=dflt', 'G=global', 'U=']);
  });
  it('RUN env has PATH defaulted and ENV overriding ARG', () => {
    const v = new StageVars([], new Map(), {});
    v.declareArg('X', '1');
    v.setEnv('X', '2');
    expect(v.runEnv()).toEqual([`PATH=${DEFAULT_PATH}`, 'X=2']);
  });
});

describe('StageVars ENV vs ARG (as docker build 20.10 / BuildKit v0.8 behaves)', () => {
  it('an ARG declared after ENV takes the build arg; a re-declared ARG is listed twice in history', () => {
    const v = new StageVars([], new Map(), { V: 'cli' });
    v.setEnv('V', 'env');
    v.declareArg('V', undefined);
    expect(v.get('V')).toBe('cli');
    const w = new StageVars([], new Map(), { W: 'cliw' });
    w.declareArg('W', 'argw');
    w.setEnv('W', 'envw');
    expect(w.historyArgs()).toEqual(['|1', 'W=envw']);
    w.declareArg('W', undefined);
    expect(w.historyArgs()).toEqual(['|2', 'W=cliw', 'W=cliw']);
  });
});

describe('StageVars of a stage built FROM an earlier stage', () => {
  it('starts from the parent\'s environment, ARG values included, without re-listing them in history', () => {
    const parent = new StageVars(['A=1'], new Map(), {});
    parent.declareArg('P', 'x');
    parent.setEnv('E', 'e');
    const child = new StageVars(['A=1', 'E=e'], new Map(), {});
    child.inheritEnv(parent);
    expect(child.get('P')).toBe('x');
    expect(child.runEnv()).toEqual([`PATH=${DEFAULT_PATH}`, 'A=1', 'P=x', 'E=e']);
    expect(child.historyArgs()).toEqual([]);
    // re-declared without a default: keeps the inherited value (and now shows in history)
    child.declareArg('P', undefined);
    expect(child.historyArgs()).toEqual(['|1', 'P=x']);
  });
});
