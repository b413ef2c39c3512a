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
