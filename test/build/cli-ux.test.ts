/**
 * The CLI as a docker user meets it, end to end through the installed bin: the live view in a
 * pseudo-terminal (renders, updates, ends cleanly, also on Ctrl-C), the plain view's cache-miss
 * lines, --explain, lint (`tsbuild check`, --check, warnings in a build, # check=error=true), global
 * options after the command, unknown commands, `-o -` to stdout, a tar context on stdin, --iidfile,
 * per-command help, completion, and a dozen bad inputs with their codes, places and exit codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STORE_TMP, type TempStore } from '../helpers/store.js';
import { runTsbuild, TSBUILD_BIN } from '../helpers/cli.js';
import { makeContext, removeDir, storeWithBusybox } from './helpers.js';

let t: TempStore;
const dirs: string[] = [];
beforeAll(async () => { t = await storeWithBusybox(); });
afterAll(() => { t?.cleanup(); for (const d of dirs) removeDir(d); });

const ENV = { SOURCE_DATE_EPOCH: '', NO_COLOR: undefined as string | undefined };
const ts = (args: string[], input?: string, env: NodeJS.ProcessEnv = {}) => runTsbuild(args, { input, env: { ...ENV, ...env } });
const ctxOf = (files: Record<string, string>) => { const d = makeContext(files); dirs.push(d); return d; };
const outDir = () => { const d = mkdtempSync(join(STORE_TMP, 'ux-')); dirs.push(d); return d; };
const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const strip = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

/** Run tsbuild in a pseudo-terminal (util-linux `script`); `onOutput` may type into it. */
function inPty(args: string[], opts: { env?: NodeJS.ProcessEnv; onOutput?: (all: string, type: (s: string) => void) => void } = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const cmd = [TSBUILD_BIN, ...args].map(sh).join(' ');
    const p = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...ENV, COLUMNS: '100', LINES: '30', TERM: 'xterm', ...opts.env } });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); opts.onOutput?.(out, (s) => p.stdin.write(s)); });
    p.on('close', (code) => resolve({ code, out }));
  });
}

describe('live view in a terminal', () => {
  it('renders, updates in place, and ends with a summary and the cursor back', async () => {
    const ctx = ctxOf({ 'app.txt': `v ${Date.now()}`, Dockerfile: 'FROM busybox\nARG N=3\nCOPY app.txt /app.txt\nRUN for i in $(seq 1 $N); do echo tick $i; sleep 0.3; done\n' });
    const r = await inPty(['build', '--root', t.root, '--network', 'none', ctx]);
    expect(r.code, strip(r.out)).toBe(0);
    const frames = r.out.split('[+] Building').slice(1);
    expect(frames.length).toBeGreaterThan(3); // it updated while the step ran
    expect(r.out).toMatch(/\x1b\[\d+F\x1b\[J/); // each redraw moves up over the last frame
    expect(strip(r.out)).toContain(' => => # tick 1');
    // step names as BuildKit shows them: variables expanded
    expect(strip(r.out)).toContain('RUN for i in $(seq 1 3); do echo tick $i; sleep 0.3; done');
    const last = strip(frames[frames.length - 1]!);
    expect(last).toMatch(/^ \d+\.\ds \(3\/3\) FINISHED {2}0 cached, 2 ran/);
    expect(last).toMatch(/ => \[stage-0 1\/3\] FROM busybox/); // a FROM is resolved, not CACHED/
    expect(last).not.toContain('# tick'); // finished steps are one line each
    expect(r.out).toContain('\x1b[?25h');
    expect(r.out).toContain('\x1b[3'); // colour on a terminal
    expect(strip(r.out)).toMatch(/image sha256:[0-9a-f]{64}/);
    expect(r.out).not.toContain('executor:');
    // the same build again: every step CACHED, and NO_COLOR means no colour
    const again = await inPty(['build', '--root', t.root, '--network', 'none', ctx], { env: { NO_COLOR: '1' } });
    expect(again.code).toBe(0);
    expect(again.out).not.toMatch(/\x1b\[3\dm/);
    expect(strip(again.out)).toMatch(/ => CACHED \[stage-0 3\/3\] RUN/);
  });

  it('CONTEXT - with a terminal on stdin is a usage error, not a wait for input', async () => {
    const r = await inPty(['build', '--root', t.root, '-']);
    expect(r.code).toBe(2);
    expect(strip(r.out)).toContain('reads a tar of the context (or a Dockerfile) from stdin, which is a terminal');
  });

  it('Ctrl-C cancels the build: exit 130, a last frame, the cursor back', async () => {
    const ctx = ctxOf({ Dockerfile: `FROM busybox\nRUN echo started ${Date.now()}; sleep 30\n` });
    let typed = false;
    const t0 = Date.now();
    const r = await inPty(['build', '--root', t.root, '--network', 'none', ctx], {
      onOutput: (all, type) => { if (!typed && all.includes('started')) { typed = true; setTimeout(() => type('\x03'), 200); } },
    });
    expect(typed).toBe(true);
    expect(r.code).toBe(130);
    expect(Date.now() - t0).toBeLessThan(15_000);
    const text = strip(r.out);
    expect(text).toContain('cancelling build');
    expect(text).toMatch(/FAILED/);
    expect(text).toContain('[E_CANCELLED]');
    expect(r.out.lastIndexOf('\x1b[?25h')).toBeGreaterThan(r.out.lastIndexOf('[+] Building'));
  });
});

describe('plain view and --explain', () => {
  it('says why a step ran again, under that step, and --explain lists every step', () => {
    const ctx = ctxOf({ 'src/app.ts': 'one', Dockerfile: 'FROM busybox\nCOPY src/ /src/\nRUN cat /src/app.ts\n' });
    const args = ['build', '--root', t.root, '--progress', 'plain', '--network', 'none', ctx];
    const first = ts(args);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).not.toMatch(/CACHE MISS: .*app\.ts/); // a first build of this context has nothing to compare with
    writeFileSync(join(ctx, 'src/app.ts'), 'two');
    const second = ts([...args.slice(0, -1), '--explain', ctx]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/#(\d+) \[stage-0 2\/3\] COPY src\/ \/src\/\n#\1 CACHE MISS: COPY src\/: src\/app.ts changed\n/);
    expect(second.stderr).toMatch(/#(\d+) CACHE MISS: previous step changed/);
    expect(second.stderr).toMatch(/Cache explanation \(0 hit, 2 miss\):\n {2}base {2}\[stage-0 1\/3\] FROM busybox\n {2}MISS {2}\[stage-0 2\/3\] COPY src\/ \/src\/ +COPY src\/: src\/app.ts changed\n {2}MISS .*previous step changed/);
    expect(second.stderr).not.toContain('executor:');
    expect(ts([...args.slice(0, -1), '--debug', '--no-cache', ctx]).stderr).toMatch(/executor: [\s\S]*snapshotter: |snapshotter: [\s\S]*executor: /);
  });
});

describe('--call targets and --call outline', () => {
  it('list the stages, and the target\'s build args, secrets and ssh ids with their descriptions', () => {
    const ctx = ctxOf({ Dockerfile: [
      '# VERSION the app\'s version', 'ARG VERSION=1.2', 'ARG BASE=busybox', '',
      '# build compiles the app', 'FROM ${BASE} AS build', '# FLAGS extra compiler flags', 'ARG FLAGS=-O2',
      'RUN --mount=type=secret,id=npmrc,required --mount=type=ssh echo build', '',
      'FROM build AS test', 'RUN --mount=type=secret,id=other true', '',
      '# release the image we ship', 'FROM ${BASE} AS release', 'COPY --from=build /x /x', ''].join('\n') });
    const tg = ts(['build', '--call', 'targets', ctx]);
    expect(tg.code, tg.stderr).toBe(0);
    expect(tg.stdout).toBe('TARGET              DESCRIPTION\nbuild               compiles the app\ntest\nrelease (default)   the image we ship\n');
    const ol = ts(['build', '--call', 'outline', '--target', 'test', ctx]);
    expect(ol.code, ol.stderr).toBe(0);
    expect(ol.stdout).toContain('TARGET:      test\n');
    expect(ol.stdout).toMatch(/^VERSION +1\.2 +the app's version$/m);
    expect(ol.stdout).toMatch(/^FLAGS +-O2 +extra compiler flags$/m);
    expect(ol.stdout).toMatch(/^npmrc +true$/m);
    expect(ol.stdout).toMatch(/^other$/m);
    expect(ol.stdout).toMatch(/^SSH +REQUIRED\ndefault$/m);
  });
});

describe('step names', () => {
  it('an inherited ONBUILD trigger is shown as BuildKit shows it', () => {
    const base = ctxOf({ Dockerfile: `FROM busybox\nONBUILD RUN echo trig-${Date.now()} > /trig\n` });
    expect(ts(['build', '--root', t.root, '--progress', 'quiet', '-t', 'onb:1', base]).code).toBe(0);
    const child = ctxOf({ Dockerfile: 'FROM onb:1\nARG V=7\nRUN echo v$V\n' });
    const r = ts(['build', '--root', t.root, '--progress', 'plain', '--network', 'none', child]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/#\d+ \[stage-0 2\/3\] ONBUILD RUN echo trig-\d+ > \/trig\n/);
    expect(r.stderr).toMatch(/#\d+ \[stage-0 3\/3\] RUN echo v7\n/);
  });
});

describe('lint', () => {
  const bad = 'FROM busybox as base\nMAINTAINER me\nCMD echo hi\n';
  it('tsbuild check: every warning with its rule, place and code frame; exit 1; a clean file exits 0', () => {
    const ctx = ctxOf({ Dockerfile: bad });
    const r = ts(['check', ctx]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`WARNING: FromAsCasing - https://docs.docker.com/go/dockerfile/rule/from-as-casing/\n'as' and 'FROM' keywords' casing do not match\n${join(ctx, 'Dockerfile')}:1:1\n`);
    expect(r.stderr).toMatch(/> 2 \| MAINTAINER me\n +\| \^/);
    expect(r.stderr).toContain('JSONArgsRecommended');
    expect(r.stderr).toContain('Check complete, 3 warnings have been found!');
    const clean = ctxOf({ Dockerfile: 'FROM busybox\nCMD ["sh"]\n' });
    expect(ts(['check', clean])).toMatchObject({ code: 0, stderr: 'Check complete, no warnings found.\n' });
    expect(ts(['check', '--build-arg', 'BUILDKIT_DOCKERFILE_CHECK=skip=all', ctx]).code).toBe(0);
    // -f FILE, stdin, build --check and --call check, --json
    expect(ts(['check', '-f', join(ctx, 'Dockerfile')]).code).toBe(1);
    expect(ts(['check', '-f', '-', clean], bad).stderr).toContain('MaintainerDeprecated');
    expect(ts(['build', '--check', ctx]).code).toBe(1);
    expect(ts(['build', '--call', 'check', clean]).code).toBe(0);
    expect((JSON.parse(ts(['check', '--json', ctx]).stdout) as { warnings: { rule: string }[] }).warnings.map((w) => w.rule)).toEqual(['FromAsCasing', 'MaintainerDeprecated', 'JSONArgsRecommended']);
  });
  it('UndefinedVar knows what a base image in the store defines', () => {
    const base = ctxOf({ Dockerfile: 'FROM busybox\nENV FROM_BASE=1\n' });
    expect(ts(['build', '--root', t.root, '--progress', 'quiet', '-t', 'envbase:1', base]).code).toBe(0);
    const ctx = ctxOf({ Dockerfile: 'FROM envbase:1\nENV X=$FROM_BASE Y=$NOT_IN_BASE\n' });
    const r = ts(['check', '--root', t.root, ctx]);
    expect(r.stderr).toContain("Usage of undefined variable '$NOT_IN_BASE'");
    expect(r.stderr).not.toContain("'$FROM_BASE'");
    // no store to ask: images are taken to define PATH only
    const empty = outDir();
    expect(ts(['check', ctx], undefined, { TSBUILD_ROOT: empty }).stderr).toContain("Usage of undefined variable '$FROM_BASE'");
    // a build knows its bases too
    const b = ts(['build', '--root', t.root, '--progress', 'plain', ctx]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toContain("UndefinedVar: Usage of undefined variable '$NOT_IN_BASE'");
    expect(b.stderr).not.toContain("'$FROM_BASE'");
  });
  it('a build shows the warnings and succeeds; # check=error=true fails it before any step runs', () => {
    const ctx = ctxOf({ Dockerfile: bad, 'secret.txt': 's', '.dockerignore': 'secret.txt\n' });
    const r = ts(['build', '--root', t.root, '--progress', 'plain', ctx]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("WARNING: FromAsCasing: 'as' and 'FROM' keywords' casing do not match");
    writeFileSync(join(ctx, 'Dockerfile'), `# check=skip=JSONArgsRecommended;error=true\n${bad}COPY secret.txt /s\nRUN echo should-not-run\n`);
    const e = ts(['build', '--root', t.root, '--progress', 'plain', ctx]);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/error: .*Dockerfile:2:1: lint violation found for rules: FromAsCasing, MaintainerDeprecated, CopyIgnoredFile \[E_LINT\]/);
    expect(e.stderr).not.toContain('WARNING: JSONArgsRecommended'); // skipped
    expect(e.stderr).not.toContain('should-not-run');
  });
});

describe('command-line grammar', () => {
  it('global options before or after the command; unknown commands say so', () => {
    for (const args of [['--root', t.root, 'images'], ['images', '--root', t.root], [`--root=${t.root}`, 'images', '-q']]) {
      const r = ts(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/busybox|^[0-9a-f]{12}$/m);
    }
    const u = ts(['histroy', 'x']);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain('unknown command "histroy"');
    expect(ts(['imagse']).stderr).toContain('(did you mean "images"?)');
    expect(ts(['images', '--jsn', '--root', t.root])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown flag: --jsn (did you mean --json?)') });
  });

  it('the same through the plain bundle (TSBUILD_NO_SNAPSHOT=1): global options, -o -, check, --explain', () => {
    const env = { TSBUILD_NO_SNAPSHOT: '1' };
    expect(ts(['images', '--root', t.root], undefined, env).stdout).toMatch(/^busybox/m);
    expect(ts(['histroy'], undefined, env).stderr).toContain('unknown command "histroy"');
    const ctx = ctxOf({ 'f.txt': 'f', Dockerfile: 'FROM busybox\nCOPY f.txt /f.txt\nCMD echo\n' });
    const r = spawnSync(TSBUILD_BIN, ['build', '--root', t.root, '--progress', 'plain', '--explain', '-o', '-', ctx], { env: { ...process.env, ...ENV, ...env }, maxBuffer: 64 << 20 });
    expect(r.status, String(r.stderr)).toBe(0);
    expect(spawnSync('tar', ['-t'], { input: r.stdout, encoding: 'utf8', maxBuffer: 64 << 20 }).stdout).toContain('./f.txt');
    expect(String(r.stderr)).toContain('Cache explanation');
    expect(String(r.stderr)).toContain('WARNING: JSONArgsRecommended');
    expect(ts(['check', ctx], undefined, env).code).toBe(1);
  });

  it('-o - and -o type=tar,dest=- write the tar to stdout; -o type=image,name= tags', () => {
    const ctx = ctxOf({ 'hello.txt': 'hi', Dockerfile: 'FROM busybox\nCOPY hello.txt /hello.txt\n' });
    for (const o of ['-', 'type=tar,dest=-']) {
      const r = spawnSync(TSBUILD_BIN, ['build', '--root', t.root, '--progress', 'quiet', '-o', o, ctx], { env: { ...process.env, ...ENV }, maxBuffer: 64 << 20 });
      expect(r.status, String(r.stderr)).toBe(0);
      const list = spawnSync('tar', ['-t'], { input: r.stdout, encoding: 'utf8', maxBuffer: 64 << 20 });
      expect(list.status, list.stderr).toBe(0);
      expect(list.stdout.split('\n')).toEqual(expect.arrayContaining(['./hello.txt', './bin/busybox']));
    }
    expect(existsSync(join(process.cwd(), '-'))).toBe(false);
    const named = ts(['build', '--root', t.root, '--progress', 'quiet', '-o', 'type=image,name=named:1', ctx]);
    expect(named.code, named.stderr).toBe(0);
    expect(ts(['images', '--root', t.root]).stdout).toMatch(/^named:1 /m);
  });

  it('a tar context (or a lone Dockerfile) on stdin', () => {
    const ctx = ctxOf({ 'in.txt': 'from-tar', Dockerfile: 'FROM busybox\nCOPY in.txt /in.txt\nRUN cat /in.txt\n' });
    const tar = spawnSync('tar', ['-C', ctx, '-c', '.']).stdout;
    const out = outDir();
    const r = spawnSync(TSBUILD_BIN, ['build', '--root', t.root, '--progress', 'plain', '--network', 'none', '-o', `type=local,dest=${out}`, '-'], { input: tar, env: { ...process.env, ...ENV } });
    expect(r.status, String(r.stderr)).toBe(0);
    expect(readFileSync(join(out, 'in.txt'), 'utf8')).toBe('from-tar');
    // -f names a file inside the tar
    const sub = ctxOf({ 'in.txt': 'sub', 'docker/App.Dockerfile': 'FROM busybox\nCOPY in.txt /in2.txt\n' });
    const out2 = outDir();
    const r2 = spawnSync(TSBUILD_BIN, ['build', '--root', t.root, '--progress', 'quiet', '-f', 'docker/App.Dockerfile', '-o', `type=local,dest=${out2}`, '-'], { input: spawnSync('tar', ['-C', sub, '-c', '.']).stdout, env: { ...process.env, ...ENV } });
    expect(r2.status, String(r2.stderr)).toBe(0);
    expect(readFileSync(join(out2, 'in2.txt'), 'utf8')).toBe('sub');
    const gz = spawnSync('gzip', ['-c'], { input: tar }).stdout;
    expect(spawnSync(TSBUILD_BIN, ['build', '--root', t.root, '--progress', 'quiet', '-'], { input: gz }).status).toBe(0);
    const lone = ts(['build', '--root', t.root, '--progress', 'quiet', '-q', '-'], 'FROM busybox\nENV LONE=1\n');
    expect(lone.code, lone.stderr).toBe(0);
    expect(lone.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
  });

  it('--iidfile holds the image ID (config digest), as -q prints it; a missing directory is said before building', () => {
    const ctx = ctxOf({ Dockerfile: 'FROM busybox\nENV IID=1\n' });
    const out = outDir();
    const r = ts(['build', '--root', t.root, '-q', '--iidfile', join(out, 'iid'), '--metadata-file', join(out, 'm.json'), ctx]);
    expect(r.code, r.stderr).toBe(0);
    const iid = readFileSync(join(out, 'iid'), 'utf8');
    expect(r.stdout.trim()).toBe(iid);
    expect(JSON.parse(readFileSync(join(out, 'm.json'), 'utf8'))['containerimage.config.digest']).toBe(iid);
    const inspect = JSON.parse(ts(['inspect', '--root', t.root, iid]).stdout || '{}');
    void inspect;
    const missing = ts(['build', '--root', t.root, '--progress', 'plain', '--iidfile', '/nonexistent-dir/sub/iid', ctx]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error: --iidfile /nonexistent-dir/sub/iid: directory /nonexistent-dir/sub does not exist [E_OUTPUT]');
    expect(missing.stderr).toContain('hint: ');
    expect(missing.stderr).not.toMatch(/\n\s+at /); // no stack
    expect(missing.stderr).not.toContain('#1 '); // nothing was built
  });

  it('COMMAND --help for every command, --version, completion', () => {
    const help = ts(['--help']);
    expect(help.code).toBe(0);
    const commands = [...help.stdout.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]!);
    expect(commands).toEqual(expect.arrayContaining(['build', 'check', 'images', 'bench', 'info', 'completion']));
    for (const c of commands) {
      const r = ts([c, '--help']);
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toMatch(new RegExp(`^Usage: tsbuild ${c}\\b`));
      expect(ts(['help', c]).stdout).toBe(r.stdout);
    }
    expect(ts(['--version']).stdout).toMatch(/^tsbuild \d+\.\d+\.\d+ \(node v/);
    const bash = ts(['completion', 'bash']);
    expect(bash.code).toBe(0);
    expect(spawnSync('bash', ['-n'], { input: bash.stdout }).status).toBe(0);
    expect(spawnSync('bash', ['-c', `${bash.stdout}\nCOMP_WORDS=(tsbuild ima); COMP_CWORD=1; _tsbuild; echo "\${COMPREPLY[@]}"`], { encoding: 'utf8' }).stdout).toContain('images');
    expect(spawnSync('bash', ['-c', `${bash.stdout}\nCOMP_WORDS=(tsbuild build --progress ''); COMP_CWORD=3; _tsbuild; echo "\${COMPREPLY[@]}"`], { encoding: 'utf8' }).stdout.trim()).toBe('auto plain tty quiet rawjson');
    expect(ts(['completion', 'zsh']).stdout).toContain('#compdef tsbuild');
    expect(ts(['completion', 'fish']).code).toBe(2);
  });
});

describe('--build-context', () => {
  it('NAME=DIR feeds COPY --from=NAME; NAME=docker-image://REF replaces FROM NAME and --from=NAME', () => {
    const ctx = ctxOf({ Dockerfile: 'FROM base\nCOPY --from=assets logo.txt /logo.txt\nCOPY --from=tools /bin/busybox /tools-busybox\nRUN --mount=type=bind,from=assets,target=/a cat /a/logo.txt > /from-mount\n' });
    const assets = ctxOf({ 'logo.txt': 'logo-v1' });
    const out = outDir();
    const args = ['build', '--root', t.root, '--progress', 'plain', '--build-context', `assets=${assets}`, '--build-context', 'base=docker-image://busybox:latest',
      '--build-context', 'tools=docker-image://busybox', '-o', `type=local,dest=${out}`, ctx];
    const r = ts(args);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'logo.txt'), 'utf8')).toBe('logo-v1');
    expect(readFileSync(join(out, 'from-mount'), 'utf8')).toBe('logo-v1');
    expect(existsSync(join(out, 'tools-busybox'))).toBe(true);
    // the directory's files key the step: a change there is a miss that says which file
    writeFileSync(join(assets, 'logo.txt'), 'logo-v2');
    const again = ts(args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/CACHE MISS: .*logo\.txt changed/);
    expect(readFileSync(join(out, 'logo.txt'), 'utf8')).toBe('logo-v2');
    expect(readFileSync(join(out, 'from-mount'), 'utf8')).toBe('logo-v2'); // the mount's files key the RUN too
    // NAME=oci-layout://DIR[:TAG]: an image from an OCI layout directory (here: tsbuild save --format oci, unpacked)
    const layout = outDir();
    expect(ts(['save', '--root', t.root, '--format', 'oci', '-o', join(layout, 'img.tar'), 'busybox:latest']).code).toBe(0);
    expect(spawnSync('tar', ['-x', '-C', layout, '-f', join(layout, 'img.tar')]).status).toBe(0);
    const imagesBefore = ts(['images', '--root', t.root, '-q']).stdout;
    const oci = ctxOf({ Dockerfile: `FROM base\nRUN test -x /bin/busybox && echo from-layout-${Date.now()} > /ok\n` });
    const outOci = outDir();
    for (const spec of [`base=oci-layout://${layout}`, `base=oci-layout://${layout}:latest`]) {
      const ro = ts(['build', '--root', t.root, '--progress', 'plain', '--network', 'none', '--build-context', spec, '-o', `type=local,dest=${outOci}`, oci]);
      expect(ro.code, ro.stderr).toBe(0);
      expect(readFileSync(join(outOci, 'ok'), 'utf8')).toMatch(/^from-layout-/);
    }
    expect(ts(['images', '--root', t.root, '-q']).stdout).toBe(imagesBefore); // nothing tagged
    const badTag = ts(['build', '--root', t.root, '--progress', 'plain', '--build-context', `base=oci-layout://${layout}:nope`, oci]);
    expect(badTag.stderr).toMatch(/no image nope in the layout \[E_CONTEXT\]/);
    // a directory where an image is needed is said plainly
    const bad = ts(['build', '--root', t.root, '--progress', 'plain', '--build-context', `base=${assets}`, ctx]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/build context base is a directory: FROM needs an image there .*\[E_UNSUPPORTED\]/);
  });
});

describe('--annotation', () => {
  it('puts annotations on the image manifest (the config, and so the image ID, unchanged)', async () => {
    const ctx = ctxOf({ Dockerfile: 'FROM busybox\nENV ANN=1\n' });
    const out = outDir();
    const sde = { SOURCE_DATE_EPOCH: '1700000000' }; // the same `created` both times
    const plain = ts(['build', '--root', t.root, '--progress', 'quiet', '--iidfile', join(out, 'a'), '-t', 'ann:0', ctx], undefined, sde);
    const r = ts(['build', '--root', t.root, '--progress', 'quiet', '--iidfile', join(out, 'b'), '-t', 'ann:1', '--annotation', 'org.opencontainers.image.source=https://example.com/app', '--annotation', 'manifest:com.example.built-by=tsbuild', ctx], undefined, sde);
    expect([plain.code, r.code], r.stderr).toEqual([0, 0]);
    expect(readFileSync(join(out, 'b'), 'utf8')).toBe(readFileSync(join(out, 'a'), 'utf8'));
    const { openStore } = await import('@tsbuild/layerstore');
    const store = await openStore(t.root);
    try {
      expect((await store.getImage('ann:1'))?.manifest.annotations).toEqual({ 'org.opencontainers.image.source': 'https://example.com/app', 'com.example.built-by': 'tsbuild' });
      expect((await store.getImage('ann:0'))?.manifest.annotations).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});

describe('--ulimit', () => {
  it('limits RUN: soft and hard as given', () => {
    const ctx = ctxOf({ Dockerfile: `FROM busybox\nRUN echo ${Date.now()} >/dev/null; ulimit -Sn > /soft; ulimit -Hn > /hard\n` });
    const out = outDir();
    const r = ts(['build', '--root', t.root, '--progress', 'plain', '--network', 'none', '--ulimit', 'nofile=1024:2048', '-o', `type=local,dest=${out}`, ctx]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'soft'), 'utf8')).toBe('1024\n');
    expect(readFileSync(join(out, 'hard'), 'utf8')).toBe('2048\n');
  });
});

describe('--add-host and --shm-size', () => {
  it('reach RUN: an /etc/hosts line and the /dev/shm size; they key the step', () => {
    const ctx = ctxOf({ Dockerfile: 'FROM busybox\nRUN grep db.internal /etc/hosts > /hosts-line; grep " /dev/shm " /proc/mounts > /shm-line\n' });
    const out = outDir();
    const r = ts(['build', '--root', t.root, '--progress', 'plain', '--network', 'none', '--add-host', 'db.internal:10.1.2.3', '--shm-size', '128m', '-o', `type=local,dest=${out}`, ctx]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'hosts-line'), 'utf8')).toBe('10.1.2.3\tdb.internal\n');
    expect(readFileSync(join(out, 'shm-line'), 'utf8')).toMatch(/size=131072k/);
    // another host entry is another step: not served from the first build's cache
    const again = ts(['build', '--root', t.root, '--progress', 'plain', '--network', 'none', '--add-host', 'db.internal:10.9.9.9', '-o', `type=local,dest=${out}`, ctx]);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(out, 'hosts-line'), 'utf8')).toBe('10.9.9.9\tdb.internal\n');
    expect(readFileSync(join(out, 'shm-line'), 'utf8')).toMatch(/size=65536k/);
  });
});

describe('--ssh', () => {
  it('RUN --mount=type=ssh gets a socket at its target and SSH_AUTH_SOCK; missing agent is said', async () => {
    const { createServer } = await import('node:net');
    const dir = outDir();
    const agentPath = join(dir, 'agent.sock');
    const agent = createServer((c) => c.end());
    await new Promise<void>((r) => agent.listen(agentPath, r));
    try {
      const ctx = ctxOf({ Dockerfile: `FROM busybox\nRUN --mount=type=ssh test -S "$SSH_AUTH_SOCK" && echo "$SSH_AUTH_SOCK" > /ssh-env && ls -ln "$SSH_AUTH_SOCK" | cut -c1-10 > /ssh-mode\nRUN --mount=type=ssh,id=other,target=/agent.sock,mode=0666 test -S /agent.sock && echo ok-${Date.now()} > /other\n` });
      const out = outDir();
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        // async spawn: the proxy lives in tsbuild, the agent in this process; both must answer
        const p = spawn(TSBUILD_BIN, ['build', '--root', t.root, '--progress', 'plain', '--network', 'none', '--ssh', 'default', '--ssh', `other=${agentPath}`, '-o', `type=local,dest=${out}`, ctx], { env: { ...process.env, ...ENV, SSH_AUTH_SOCK: agentPath } });
        let stderr = '';
        p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
        p.on('close', (code) => resolve({ code, stderr }));
      });
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(join(out, 'ssh-env'), 'utf8')).toBe('/run/buildkit/ssh_agent.0\n');
      expect(readFileSync(join(out, 'ssh-mode'), 'utf8')).toBe('srw-------\n');
      expect(readFileSync(join(out, 'other'), 'utf8')).toMatch(/^ok-/);
      // the socket is a mount, never part of the layer
      expect(existsSync(join(out, 'run/buildkit/ssh_agent.0'))).toBe(false);
    } finally {
      agent.close();
    }
    const ctx2 = ctxOf({ Dockerfile: 'FROM busybox\nRUN --mount=type=ssh,required true\n' });
    const missing = ts(['build', '--root', t.root, '--progress', 'plain', '--network', 'none', ctx2]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no SSH agent for id "default" \(pass --ssh default\).*\[E_MOUNT\]/);
    expect(ts(['build', '--ssh', 'default', ctx2], undefined, { SSH_AUTH_SOCK: '' }).stderr).toContain('SSH_AUTH_SOCK is not set');
    expect(ts(['build', '--ssh', `k=${join(ctx2, 'Dockerfile')}`, ctx2]).stderr).toMatch(/not an agent socket .*\[E_UNSUPPORTED\]/);
  });
});

describe('a failed step in the quiet and tty views', () => {
  it('its last output lines are printed with the error (plain printed them as they came)', async () => {
    const ctx = ctxOf({ Dockerfile: `FROM busybox\nRUN echo out-${Date.now()}; echo err-line >&2; exit 3\n` });
    const q = ts(['build', '--root', t.root, '-q', '--network', 'none', ctx]);
    expect(q.code).toBe(1);
    expect(q.stderr).toMatch(/------\n > \[stage-0 2\/2\] RUN echo out-\d+; echo err-line >&2; exit 3:\n {3}out-\d+\n {3}err-line\n------\nerror: /);
    const tty = await inPty(['build', '--root', t.root, '--network', 'none', ctx]);
    expect(tty.code).toBe(1);
    expect(strip(tty.out)).toMatch(/ => ERROR \[stage-0 2\/2\] RUN[\s\S]*------\r?\n > \[stage-0 2\/2\][\s\S]* {3}err-line\r?\n------\r?\nerror: [\s\S]*\[E_EXEC_FAILED\]/);
  });
});

describe('errors: code, place, message, exit code', () => {
  interface Bad { name: string; args?: string[]; dockerfile?: string; input?: string; code: string; exit: number; message: RegExp; where?: RegExp }
  const CASES: Bad[] = [
    { name: 'unknown instruction', dockerfile: 'FROM busybox\nRUNN echo\n', code: 'E_UNKNOWN_INSTRUCTION', exit: 1, message: /unknown instruction: RUNN \(did you mean RUN\?\)/, where: /Dockerfile:2:1: [\s\S]*> 2 \| RUNN echo/ },
    { name: 'instruction before FROM', dockerfile: 'RUN true\n', code: 'E_STAGE', exit: 1, message: /before the first FROM/, where: /Dockerfile:1:/ },
    { name: 'bad JSON flag value', dockerfile: 'FROM busybox\nCOPY --chmod=99999 a /a\n', code: 'E_', exit: 1, message: /chmod/, where: /Dockerfile:2:/ },
    { name: 'unterminated heredoc', dockerfile: 'FROM busybox\nRUN <<EOF\necho\n', code: 'E_HEREDOC', exit: 1, message: /heredoc|EOF/i },
    { name: 'missing COPY source', dockerfile: 'FROM busybox\nCOPY nope.txt /n\n', code: 'E_COPY_SOURCE', exit: 1, message: /nope\.txt/, where: /Dockerfile:2:/ },
    { name: 'unknown target', args: ['--target', 'nosuch'], dockerfile: 'FROM busybox AS a\n', code: 'E_STAGE', exit: 1, message: /nosuch/ },
    { name: 'failing RUN', dockerfile: 'FROM busybox\nRUN exit 3\n', code: 'E_EXEC_FAILED', exit: 1, message: /exit code: 3/, where: /> 2 \| RUN exit 3/ },
    { name: 'bad check directive', dockerfile: '# check=skip\nFROM busybox\n', code: 'E_CHECK_DIRECTIVE', exit: 1, message: /invalid check option "skip"/ },
    { name: 'unknown flag', args: ['--no-cahce'], dockerfile: 'FROM busybox\n', code: 'E_USAGE', exit: 2, message: /unknown flag: --no-cahce \(did you mean --no-cache\?\)/ },
    { name: 'unsupported docker flag', args: ['--security-opt', 'seccomp=unconfined'], dockerfile: 'FROM busybox\n', code: 'E_UNSUPPORTED', exit: 2, message: /--security-opt: .*not supported/ },
    { name: 'bad progress mode', args: ['--progress', 'fancy'], dockerfile: 'FROM busybox\n', code: 'E_USAGE', exit: 2, message: /invalid progress mode "fancy"/ },
    { name: 'no Dockerfile', args: ['-f', '/nonexistent/Dockerfile'], dockerfile: 'FROM busybox\n', code: 'E_NO_DOCKERFILE', exit: 1, message: /cannot read Dockerfile: \/nonexistent\/Dockerfile not found/ },
    { name: 'tar to a terminal refused / two stdouts', args: ['-o', '-', '-o', 'type=oci,dest=-'], dockerfile: 'FROM busybox\n', code: 'E_USAGE', exit: 2, message: /only one output can go to stdout/ },
  ];
  for (const c of CASES) {
    it(c.name, () => {
      const ctx = ctxOf({ Dockerfile: c.dockerfile ?? 'FROM busybox\n', 'a': 'a' });
      const r = ts(['build', '--root', t.root, '--progress', 'plain', '--network', 'none', ...(c.args ?? []), ctx], c.input);
      expect(r.code, r.stderr).toBe(c.exit);
      if (c.exit === 2) expect(r.stderr).toMatch(/^(tsbuild|error): /m);
      else expect(r.stderr).toMatch(new RegExp(`^error: .*\\[${c.code}[A-Z_]*\\]$`, 'm'));
      if (c.code === 'E_UNSUPPORTED') expect(r.stderr).toContain('[E_UNSUPPORTED]');
      expect(r.stderr).toMatch(c.message);
      if (c.where) expect(r.stderr).toMatch(c.where);
      expect(r.stderr).not.toContain('internal error');
      expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
    });
  }
});
