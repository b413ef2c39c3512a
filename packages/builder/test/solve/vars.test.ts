import { describe, expect, it } from 'vitest';
import { StageVars, DEFAULT_PATH, platformArgs } from '../../src/solve/vars.js';

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

describe('StageVars ENV vs ARG', () => {
  it('an ARG declared after ENV takes the build arg; a re-declared ARG is listed once in history (current BuildKit; v0.8 listed it twice)', () => {
    const v = new StageVars([], new Map(), { V: 'cli' });
    v.setEnv('V', 'env');
    v.declareArg('V', undefined);
    expect(v.get('V')).toBe('cli');
    const w = new StageVars([], new Map(), { W: 'cliw' });
    w.declareArg('W', 'argw');
    w.setEnv('W', 'envw');
    expect(w.historyArgs()).toEqual(['|1', 'W=envw']);
    w.declareArg('W', undefined);
    expect(w.historyArgs()).toEqual(['|1', 'W=cliw']);
    w.declareArg('Z', 'z');
    w.declareArg('W', 'again');
    expect(w.historyArgs()).toEqual(['|2', 'W=cliw', 'Z=z']);
  });
});

describe('StageVars of a stage built FROM an earlier stage', () => {
  it('starts from the parent\'s environment and ARGs: values in RUN env and expansion, and listed first in RUN history', () => {
    const parent = new StageVars(['A=1'], new Map(), {});
    parent.declareArg('P', 'x');
    parent.setEnv('E', 'e');
    const child = new StageVars(['A=1', 'E=e'], new Map(), {});
    child.inheritEnv(parent);
    expect(child.get('P')).toBe('x');
    expect(child.runEnv()).toEqual([`PATH=${DEFAULT_PATH}`, 'A=1', 'P=x', 'E=e']);
    expect(child.historyArgs()).toEqual(['|1', 'P=x']);
    // re-declared without a default: keeps the inherited value, still listed once
    child.declareArg('P', undefined);
    child.declareArg('Q', 'q');
    expect(child.historyArgs()).toEqual(['|2', 'P=x', 'Q=q']);
  });
});

describe('the global scope in a stage, predefined ARGs, proxies', () => {
  it('a global ARG or a predefined ARG is visible only once the stage declares it', () => {
    const v = new StageVars([], new Map([['V', '1']]), {}, platformArgs({ os: 'linux', architecture: 'arm64', variant: 'v8' }, { os: 'linux', architecture: 'amd64' }));
    expect([v.get('V'), v.get('TARGETOS')]).toEqual([undefined, undefined]);
    v.declareArg('V', undefined);
    v.declareArg('TARGETPLATFORM', undefined);
    v.declareArg('BUILDVARIANT', undefined);
    expect([v.get('V'), v.get('TARGETPLATFORM'), v.get('BUILDVARIANT')]).toEqual(['1', 'linux/arm64/v8', '']);
  });
  it('an ARG with no value anywhere is declared but unset; proxy build args reach RUN without a declaration, not the cache key', () => {
    const v = new StageVars([], new Map(), { HTTP_PROXY: 'http://p', no_proxy: 'x' });
    expect(v.declareArg('N', undefined)).toBeUndefined();
    expect(v.get('N')).toBeUndefined();
    // both spellings, as BuildKit's llb.ProxyEnv sets them
    expect(v.runEnv()).toEqual([`PATH=${DEFAULT_PATH}`, 'HTTP_PROXY=http://p', 'http_proxy=http://p', 'NO_PROXY=x', 'no_proxy=x']);
    expect(v.keyEnv()).toEqual([]);
    expect(v.historyArgs()).toEqual(['|1', 'N=']);
  });
  it('ARG names are taken as written (current BuildKit never expands them)', () => {
    const v = new StageVars([], new Map(), { '${X}': 'cli' });
    expect(v.declareArg('${X}', undefined)).toBe('cli');
    expect(v.runEnv()).toContain('${X}=cli');
  });
});
