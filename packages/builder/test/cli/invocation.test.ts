/** Command-line grammar: global options anywhere, unknown commands, docker's flag forms. */
import { describe, expect, it } from 'vitest';
import { parseInvocation } from '../../src/cli/main.js';
import { explain, parseBuildFlags, parseOutput } from '../../src/cli/commands/build.js';
import { splitLayoutRef } from '../../src/solve/ociLayout.js';

const exists = (p: string) => p === '.' || p === 'ctx';

describe('parseInvocation', () => {
  it('global options before or after the command', () => {
    expect(parseInvocation(['--root', 'R', 'images'], exists)).toMatchObject({ command: 'images', args: ['--root', 'R'], implicit: false });
    expect(parseInvocation(['--root=R', '--debug', 'images', '-q'], exists)).toMatchObject({ command: 'images', args: ['--root=R', '-q'], debug: true });
    expect(parseInvocation(['images', '--root', 'R', '--debug'], exists)).toMatchObject({ command: 'images', args: ['--root', 'R'], debug: true });
    expect(parseInvocation(['-D', 'build', '.'], exists)).toMatchObject({ command: 'build', args: ['.'], debug: true });
  });
  it('build is the default command for flags and existing contexts', () => {
    expect(parseInvocation(['-t', 'app', '.'], exists)).toMatchObject({ command: 'build', args: ['-t', 'app', '.'], implicit: true });
    expect(parseInvocation(['--root', 'R', 'ctx'], exists)).toMatchObject({ command: 'build', args: ['--root', 'R', 'ctx'] });
    expect(parseInvocation(['-'], exists)).toMatchObject({ command: 'build', args: ['-'] });
  });
  it('an unknown command is not taken for a build context, and gets a "did you mean"', () => {
    expect(() => parseInvocation(['histroy', 'x'], exists)).toThrow(/unknown command "histroy"/);
    expect(() => parseInvocation(['imgaes'], exists)).toThrow(/unknown command "imgaes" \(did you mean "images"\?\)/);
    expect(() => parseInvocation(['--root', 'R', 'chekc'], exists)).toThrow(expect.objectContaining({ code: 'E_USAGE', message: expect.stringContaining('did you mean "check"') }));
  });
  it('help and version', () => {
    expect(parseInvocation(['help', 'build'], exists)).toMatchObject({ command: 'build', help: true });
    expect(parseInvocation(['--version'], exists)).toMatchObject({ version: true, implicit: true });
    expect(parseInvocation(['save', '--help'], exists)).toMatchObject({ command: 'save', args: ['--help'] });
  });
});

describe('build flags docker users type', () => {
  const p = (...argv: string[]) => parseBuildFlags([...argv, 'ctx'], {});
  it('accepts --load, --pull[=false], --platform=local, --explain, --check, --call', () => {
    expect(p('--load').options.platform).toBeUndefined();
    expect(() => p('--pull=false')).not.toThrow();
    expect(() => p('--pull')).not.toThrow();
    expect(() => p('--pull=maybe')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(p('--platform=local').options.platform).toBeUndefined();
    expect(p('--platform', 'linux/amd64').options.platform).toBe('linux/amd64');
    expect(p('--explain').explain).toBe(true);
    expect(p('--check').call).toBe('check');
    expect(p('--call', 'check').call).toBe('check');
    expect(p('--call=build').call).toBe('build');
    expect(p('--call', 'outline').call).toBe('outline');
    expect(p('--call=targets').call).toBe('targets');
    expect(() => p('--call', 'lint')).toThrow(/one of build, check, targets, outline/);
  });
  it('a flag tsbuild cannot honour is an error that says so', () => {
    for (const f of ['--build-context=b=https://x/y.git', '--add-host=h:host-gateway', '--annotation=index:a=b', '--security-opt=seccomp=unconfined']) {
      expect(() => p(f), f).toThrow(expect.objectContaining({ code: 'E_UNSUPPORTED', message: expect.stringContaining(f.split('=')[0]!) }));
    }
  });
  it('--push and -o type=registry push (registries are supported)', () => {
    expect(p('--push', '-t', 'r.example/app:1').options.push).toBe(true);
    expect(p('--push=false').options.push).toBe(false);
  });
  it('--build-context NAME=DIR|docker-image://REF', () => {
    expect(p('--build-context', 'base=docker-image://busybox:1', '--build-context=Src=.').options.namedContexts).toEqual({ base: { type: 'image', ref: 'busybox:1' }, src: { type: 'dir', path: process.cwd() } });
    expect(() => p('--build-context', 'x=/no/such/dir')).toThrow(/no such directory/);
    expect(() => p('--build-context', 'novalue')).toThrow(/NAME=VALUE/);
    expect(() => p('--build-context', 'l=oci-layout:///no/such/layout:v1')).toThrow(/not an OCI image layout/);
  });
  it('--add-host HOST:IP and --shm-size SIZE', () => {
    expect(p('--add-host', 'db:10.0.0.5', '--add-host=v6=::1', '--add-host', 'x:[fe80::1]').options.extraHosts).toEqual([{ host: 'db', ip: '10.0.0.5' }, { host: 'v6', ip: '::1' }, { host: 'x', ip: 'fe80::1' }]);
    expect(() => p('--add-host', 'db:notanip')).toThrow(/not an IP address/);
    expect(() => p('--add-host', 'db')).toThrow(/HOST:IP/);
    expect(p('--shm-size', '128m').options.shmSize).toBe(128 * 1024 * 1024);
    expect(p('--shm-size=1g').options.shmSize).toBe(1024 ** 3);
    expect(p('--shm-size=4096').options.shmSize).toBe(4096);
    expect(() => p('--shm-size', 'lots')).toThrow(/invalid size/);
  });
  it('--annotation [manifest:]KEY=VALUE', () => {
    expect(p('--annotation', 'org.opencontainers.image.source=https://x/y', '--annotation=manifest:com.example.a=1=2').options.annotations).toEqual({ 'org.opencontainers.image.source': 'https://x/y', 'com.example.a': '1=2' });
    expect(() => p('--annotation', 'manifest-descriptor:a=b')).toThrow(expect.objectContaining({ code: 'E_UNSUPPORTED' }));
    expect(() => p('--annotation', 'novalue')).toThrow(/KEY=VALUE/);
  });
  it('--ulimit NAME=SOFT[:HARD]', () => {
    expect(p('--ulimit', 'nofile=1024:2048', '--ulimit=core=-1').options.ulimits).toEqual([{ name: 'nofile', soft: 1024, hard: 2048 }, { name: 'core', soft: -1, hard: -1 }]);
    expect(p('--ulimit', 'nproc=64').options.ulimits).toEqual([{ name: 'nproc', soft: 64, hard: 64 }]);
    expect(() => p('--ulimit', 'nofiles=1')).toThrow(/unknown limit "nofiles" \(did you mean nofile\?\)/);
    expect(() => p('--ulimit', 'nofile=10:5')).toThrow(/soft limit is above the hard limit/);
    expect(() => p('--ulimit', 'nofile')).toThrow(/NAME=SOFT/);
  });
  it('oci-layout://DIR[:TAG|@DIGEST] splits as buildx reads it', () => {
    const d = `sha256:${'a'.repeat(64)}`;
    expect(splitLayoutRef('/x/layout')).toEqual({ dir: '/x/layout' });
    expect(splitLayoutRef('/x/layout:v1')).toEqual({ dir: '/x/layout', ref: 'v1' });
    expect(splitLayoutRef(`/x/layout@${d}`)).toEqual({ dir: '/x/layout', ref: d });
    expect(splitLayoutRef('/x:y/layout')).toEqual({ dir: '/x:y/layout' });
  });
  it('unknown flags get a "did you mean"', () => {
    expect(() => p('--no-cahce')).toThrow(/unknown flag: --no-cahce \(did you mean --no-cache\?\)/);
  });
  it('-o - and dest=- go to stdout; type=image,name= tags', () => {
    expect(parseOutput('-')).toEqual({ type: 'tar', dest: '-' });
    expect(parseOutput('type=tar,dest=-')).toEqual({ type: 'tar', dest: '-' });
    expect(p('-o', 'type=image,name=app:1').options).toMatchObject({ tags: ['app:1'], outputs: [{ type: 'image' }] });
    expect(p('-o', 'type=image,name=a:1,b:2', '-t', 'c').options.tags).toEqual(['a:1', 'b:2', 'c']);
    expect(p('-o', 'type=registry,name=r.example/x:1').options.outputs).toContainEqual(expect.objectContaining({ type: 'registry' }));
    expect(() => p('-o', '-', '-o', 'type=oci,dest=-')).toThrow(/only one output can go to stdout/);
  });
  it('CONTEXT - is a context on stdin; not together with -f -', () => {
    expect(parseBuildFlags(['-'], {}).contextFromStdin).toBe(true);
    expect(() => parseBuildFlags(['-f', '-', '-'], {})).toThrow(/cannot both come from stdin/);
  });
});

describe('--explain', () => {
  it('lists every step with hit or miss and why', () => {
    const text = explain([
      { name: '[1/3] FROM busybox', stage: 0, index: 1, instruction: 'FROM busybox', cached: true, durationMs: 0 },
      { name: '[2/3] COPY src/ /src/', stage: 0, index: 2, instruction: 'COPY src/ /src/', cached: false, missReason: 'COPY src/: src/app.ts changed', durationMs: 5 },
      { name: '[3/3] RUN make', stage: 0, index: 3, instruction: 'RUN make', cached: true, durationMs: 0 },
    ]);
    expect(text).toContain('Cache explanation (1 hit, 1 miss):'); // FROM is the base, neither
    expect(text).toMatch(/ {2}base {2}\[1\/3\] FROM busybox\n/);
    expect(text).toMatch(/ {2}MISS {2}\[2\/3\] COPY src\/ \/src\/ +COPY src\/: src\/app.ts changed\n/);
    expect(text).toMatch(/ {2}HIT {3}\[3\/3\] RUN make +same inputs as an earlier build\n/);
  });
});
