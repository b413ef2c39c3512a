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

  it('stage ARG defaults lose to build args; ARG and ENV write the build env, the later one wins', () => {
    const g = new VarScope({ buildArgs: { X: 'cli', HTTP_PROXY: 'http://p' } });
    const s = g.enterStage(['PATH=/bin', 'HOME=/root']);
    s.declareArgs([{ name: 'X', value: 'def' }, { name: 'PATH', value: '/arg' }, { name: 'Y', value: 'y' }]);
    expect(s.get('X')).toBe('cli');
    expect(s.get('PATH')).toBe('/arg'); // ARG after the image Env: the build env sees the ARG
    expect(s.imageEnv).toEqual(['PATH=/bin', 'HOME=/root']); // ARGs never reach the image config
    s.setEnv([{ key: 'Y', value: 'env' }, { key: 'HOME', value: '/h' }]);
    expect(s.get('Y')).toBe('env'); // ENV after ARG wins (the documented case)
    expect(s.imageEnv).toEqual(['PATH=/bin', 'HOME=/h', 'Y=env']);
    expect(s.argsInScope()).toEqual([['X', 'cli'], ['PATH', '/arg'], ['Y', 'y']]);
    expect(s.envForRun()).toEqual(['X=cli', 'PATH=/arg', 'Y=env', 'HOME=/h', 'HTTP_PROXY=http://p']);
    expect(s.envForRun({ includeProxy: false })).toEqual(['X=cli', 'PATH=/arg', 'Y=env', 'HOME=/h']);
    expect([...g.usedArgs]).toEqual(['X']);
    expect(g.unusedBuildArgs()).toEqual([]);
  });

  it('ARG defaults are expanded only when used, name after name', () => {
    const expand = (v: string, scope: VarScope): string => v.replace(/\$\{?(\w+)\}?/g, (_, n: string) => {
      const x = scope.get(n);
      if (x === undefined) throw new Error(`${n}: missing`);
      return x;
    });
    const s = new VarScope({ buildArgs: { BAR: 'cli' } }).enterStage();
    s.declareArgs([{ name: 'BAR', value: '${FOO}' }, { name: 'A', value: '1' }, { name: 'B', value: '$A-2' }], expand);
    expect([s.get('BAR'), s.get('B')]).toEqual(['cli', '1-2']);
    expect(() => s.declareArgs([{ name: 'C', value: '${NOPE}' }], expand)).toThrow('NOPE: missing');
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
