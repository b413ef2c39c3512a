import { describe, expect, it } from 'vitest';
import type { EnvInstruction } from '@tsbuild/parser';
import { dispatchEnv } from '../../src/dispatch/env.js';
import { StageVars } from '../../src/solve/vars.js';
import type { StageState, StepContext } from '../../src/solve/types.js';

/** A stage whose image Env is `env`, and ENV applied to it as dispatchEnv does. */
function stage(env: string[]) {
  const state = { config: { config: { Env: env }, history: [] }, vars: new StageVars(env, new Map(), {}) } as unknown as StageState;
  const apply = (...pairs: [string, string][]) =>
    dispatchEnv({ state, instr: { kind: 'ENV', env: pairs.map(([key, value]) => ({ key, value })) } as unknown as EnvInstruction } as StepContext<EnvInstruction>);
  return { state, apply, env: () => state.config.config.Env };
}

describe('dispatchEnv', () => {
  it('replaces the first entry of a name in place (`K=v` or a bare `K`), appends a new one', () => {
    const s = stage(['PATH=/bin', 'BARE', 'A=1', 'A=dup']);
    s.apply(['A', '2'], ['NEW', 'x'], ['BARE', 'now'], ['PATH', '/usr/bin:/bin']);
    expect(s.env()).toEqual(['PATH=/usr/bin:/bin', 'BARE=now', 'A=2', 'A=dup', 'NEW=x']);
    s.apply(['NEW', 'y'], ['Z', '1']);
    expect(s.env()).toEqual(['PATH=/usr/bin:/bin', 'BARE=now', 'A=2', 'A=dup', 'NEW=y', 'Z=1']);
    expect(s.state.config.history).toHaveLength(2);
  });

  it('follows an Env array replaced or changed behind its back', () => {
    const s = stage(['A=1']);
    s.apply(['B', '2']);
    s.state.config.config.Env = ['B=0', 'A=1'];
    s.apply(['A', 'x']);
    expect(s.env()).toEqual(['B=0', 'A=x']);
    s.env()!.unshift('C=0');
    s.apply(['C', 'y'], ['B', 'z']);
    expect(s.env()).toEqual(['C=y', 'B=z', 'A=x']);
    s.env()![0] = 'D=0';
    s.apply(['C', 'again']);
    expect(s.env()).toEqual(['D=0', 'B=z', 'A=x', 'C=again']);
  });
});
