import { describe, expect, it } from 'vitest';
import { VarScope } from '../src/scope.js';

describe('VarScope', () => {
  it('global scope: predefined platform args, build args override defaults', () => {
    const g = new VarScope({ buildArgs: { A: 'cli' }, targetPlatform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, buildPlatform: { os: 'linux', architecture: 'amd64' } });
    expect(g.get('TARGETPLATFORM')).toBe('linux/arm64/v8');
    expect(g.get('TARGETARCH')).toBe('arm64');
    expect(g.get('TARGETVARIANT')).toBe('v8');
    expect(g.get('BUILDPLATFORM')).toBe('linux/amd64');
    expect(g.get('BUILDVARIANT')).toBe('');
    g.declareArgs([{ name: 'A', value: 'default' }, { name: 'B', value: 'b' }, { name: 'C' }]);
    expect([g.get('A'), g.get('B'), g.get('C')]).toEqual(['cli', 'b', undefined]);
    expect([...g.usedArgs]).toEqual(['A']);
  });

  it('a global ARG is visible in a stage only after it is re-declared', () => {
    const g = new VarScope({ buildArgs: {} });
    g.declareArgs([{ name: 'V', value: '1' }]);
    const s = g.enterStage([]);
    expect(s.get('V')).toBeUndefined();
    expect(s.get('TARGETOS')).toBeUndefined();
    s.declareArgs([{ name: 'V' }, { name: 'TARGETOS' }]);
    expect(s.get('V')).toBe('1');
    expect(s.get('TARGETOS')).toBe('linux');
  });

  it('stage ARG defaults lose to build args; ENV and the image Env win over ARG', () => {
    const g = new VarScope({ buildArgs: { X: 'cli', HTTP_PROXY: 'http://p' } });
    const s = g.enterStage(['PATH=/bin', 'HOME=/root']);
    s.declareArgs([{ name: 'X', value: 'def' }, { name: 'PATH', value: '/nope' }, { name: 'Y', value: 'y' }]);
    expect(s.get('X')).toBe('cli');
    expect(s.get('PATH')).toBe('/bin');
    s.setEnv([{ key: 'Y', value: 'env' }, { key: 'HOME', value: '/h' }]);
    expect(s.get('Y')).toBe('env');
    expect(s.imageEnv).toEqual(['PATH=/bin', 'HOME=/h', 'Y=env']);
    expect(s.argsInScope()).toEqual([['X', 'cli']]);
    expect(s.envForRun()).toEqual(['PATH=/bin', 'HOME=/h', 'Y=env', 'X=cli', 'HTTP_PROXY=http://p']);
    expect(s.envForRun({ includeProxy: false })).toEqual(['PATH=/bin', 'HOME=/h', 'Y=env', 'X=cli']);
    expect([...g.usedArgs]).toEqual(['X']);
    expect(g.unusedBuildArgs()).toEqual([]);
  });

  it('reports build args nobody declared (not proxies)', () => {
    const g = new VarScope({ buildArgs: { UNUSED: '1', no_proxy: 'x' } });
    expect(g.unusedBuildArgs()).toEqual(['UNUSED']);
  });

  it('an ARG without value and without build arg is declared but unset', () => {
    const s = new VarScope().enterStage();
    s.declareArgs([{ name: 'N' }]);
    expect(s.get('N')).toBeUndefined();
    expect(s.envForRun()).toEqual([]);
  });
});
