import { describe, expect, it } from 'vitest';
import { parseBuildFlags, parseOutput, parseSecret } from '../../src/cli/commands/build.js';

describe('tsbuild build flags', () => {
  it('parses the docker build surface', () => {
    const p = parseBuildFlags(['-t', 'a:1', '--tag=b', '-f', 'x/Dockerfile', '--build-arg', 'K=V', '--build-arg', 'FROMENV', '--target', 'build',
      '--no-cache-filter', 'build', '--network=none', '--secret', 'id=s,src=/f', '--label', 'l=v', '--progress', 'plain', '-o', 'type=local,dest=/out',
      '--iidfile', '/iid', '--metadata-file', '/meta', '--root', '/r', '--jobs', '3', '--runtime', 'runc', 'ctx'], { FROMENV: 'e', SOURCE_DATE_EPOCH: '10' });
    expect(p.options).toMatchObject({
      context: 'ctx', tags: ['a:1', 'b'], dockerfile: 'x/Dockerfile', buildArgs: { K: 'V', FROMENV: 'e' }, target: 'build', noCache: ['build'],
      network: 'none', secrets: [{ id: 's', src: '/f' }], labels: { l: 'v' }, outputs: [{ type: 'local', dest: '/out' }], root: '/r', jobs: 3, sourceDateEpoch: 10, runtime: 'runc',
    });
    expect(p.progress).toBe('plain');
    expect(p.iidfile).toBe('/iid');
    expect(p.metadataFile).toBe('/meta');
  });
  it('rejects bad usage with E_USAGE', () => {
    expect(() => parseBuildFlags([], {})).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => parseBuildFlags(['--bogus', 'ctx'], {})).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => parseBuildFlags(['--network', 'bridge', 'ctx'], {})).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => parseOutput('type=foo,dest=x')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
  it('parses outputs and secrets', () => {
    expect(parseOutput('type=oci,dest=/a.tar')).toEqual({ type: 'oci', dest: '/a.tar' });
    expect(parseOutput('/dir')).toEqual({ type: 'local', dest: '/dir' });
    expect(parseSecret('id=tok,env=TOKEN')).toEqual({ id: 'tok', env: 'TOKEN' });
  });
});
