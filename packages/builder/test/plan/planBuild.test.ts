import { describe, expect, it } from 'vitest';
import { planBuild } from '../../src/plan/planBuild.js';
import { platformArgs } from '../../src/solve/vars.js';

const linux = platformArgs({ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'amd64' });
const plan = (text: string, opts: { target?: string; buildArgs?: Record<string, string> } = {}) =>
  planBuild({ file: 'Dockerfile', text }, { ...opts, builtins: linux });

describe('planBuild: predefined ARGs (current BuildKit defaultArgs)', () => {
  it('TARGETSTAGE is the target stage (default when unnamed) and global ARG defaults see it', () => {
    const text = 'ARG S=stage-$TARGETSTAGE-$TARGETOS\nFROM scratch AS build\nFROM scratch AS final\n';
    expect(plan(text).builtins.get('TARGETSTAGE')).toBe('final');
    expect(plan(text, { target: 'build' }).globalArgs.get('S')).toBe('stage-build-linux');
    expect(plan('FROM scratch\n').builtins.get('TARGETSTAGE')).toBe('default');
  });
  it('every predefined ARG is set, empty ones too, and a build arg overrides it', () => {
    const p = plan('FROM scratch\n', { buildArgs: { TARGETOS: 'freebsd' } });
    expect(p.builtins.get('TARGETOS')).toBe('freebsd');
    expect([p.builtins.get('TARGETOSVERSION'), p.builtins.get('BUILDVARIANT'), p.builtins.get('BUILDPLATFORM')]).toEqual(['', '', 'linux/amd64']);
  });
});
