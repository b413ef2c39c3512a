/**
 * Odd input ends in a clear E_* error within seconds — never a hang, a crash with a stack, an
 * "internal error" or unbounded memory — and the store stays clean (issue 18). Through the
 * installed launcher; a few also through the plain bundle.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxRootfsTar } from '../helpers/busybox.js';
import { runTsbuild, TSBUILD_BIN } from '../helpers/cli.js';
import { STORE_TMP, type TempStore } from '../helpers/store.js';
import { storeWithBusybox } from './helpers.js';

let t: TempStore;
let work: string;
beforeAll(async () => {
  t = await storeWithBusybox();
  mkdirSync(STORE_TMP, { recursive: true });
  work = mkdtempSync(join(STORE_TMP, 'odd-'));
});
afterAll(() => {
  t?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

let n = 0;
function context(dockerfile: string, files: Record<string, string> = {}): string {
  const dir = join(work, `ctx-${n++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  for (const [p, c] of Object.entries(files)) writeFileSync(join(dir, p), c);
  return dir;
}

function build(ctx: string, extra: string[] = [], env: Record<string, string> = {}) {
  const t0 = Date.now();
  const quiet = extra.includes('--progress') ? [] : ['-q'];
  const r = spawnSync(TSBUILD_BIN, ['build', '--root', t.root, ...quiet, '--network', 'none', ...extra, ctx], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

function expectCleanFailure(r: { code: number | null; stderr: string; ms: number }, code: string): void {
  expect(r.stderr).toContain(`[${code}]`);
  expect(r.code).toBe(1);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(r.ms).toBeLessThan(30_000);
  expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(t.root);
}

describe('files that are not regular files', () => {
  // /etc/passwd and /etc/group count only as regular files (BuildKit's openUserFile): anything
  // else is as if absent — never read (a FIFO hung the build, /dev/zero ate 632 MB)
  it('a FIFO as /etc/passwd: the next RUN (as root) runs instead of hanging', () => {
    const r = build(context('FROM busybox\nRUN rm /etc/passwd && mkfifo /etc/passwd\nRUN echo hi\n'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(30_000);
  });

  it('a FIFO as /etc/group: COPY --chown with numeric ids goes on, a group name is not found', () => {
    const ok = build(context('FROM busybox\nRUN rm /etc/group && mkfifo /etc/group\nCOPY --chown=1:2 Dockerfile /x\n'));
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const named = build(context('FROM busybox\nRUN rm /etc/group && mkfifo /etc/group\nUSER 1:daemon\nRUN id\n'));
    expectCleanFailure(named, 'E_USER');
  });

  it('/dev/zero (char 1:5) as /etc/passwd is not read: USER daemon is simply not found', () => {
    const r = build(context('FROM busybox\nRUN rm /etc/passwd && mknod /etc/passwd c 1 5\nUSER daemon\nRUN echo hi\n'));
    expectCleanFailure(r, 'E_USER');
    expect(r.stderr).toContain('unable to find user daemon');
  });

  it.each([[{}], [{ TSBUILD_NO_SNAPSHOT: '1' }]])('a FIFO .dockerignore fails context loading at once (%o)', (env) => {
    const ctx = context('FROM busybox\nCOPY . /x\n');
    execFileSync('mkfifo', [join(ctx, '.dockerignore')]);
    const r = build(ctx, [], env);
    expectCleanFailure(r, 'E_NOT_REGULAR');
    expect(r.stderr).toContain('.dockerignore) is a FIFO');
  });

  it('a FIFO Dockerfile in the context is refused; one named with -f is read (like -f <(…))', async () => {
    const ctx = context('');
    rmSync(join(ctx, 'Dockerfile'));
    execFileSync('mkfifo', [join(ctx, 'Dockerfile')]);
    expectCleanFailure(build(ctx), 'E_NOT_REGULAR');
    const fifo = join(work, 'df.fifo');
    execFileSync('mkfifo', [fifo]);
    const child = spawn(TSBUILD_BIN, ['build', '--root', t.root, '-q', '--network', 'none', '-f', fifo, ctx], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    writeFileSync(fifo, 'FROM busybox\nENV FROM_FIFO=1\n');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(0);
    expect(out).toMatch(/^sha256:/);
  });
});

describe('RUN output and command lines', () => {
  it('40 MB without a newline is handled in linear time and bounded memory', () => {
    const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
    const ctx = context('FROM busybox\nRUN head -c 40000000 /dev/zero; echo; echo end-of-output; exit 3\n');
    const args = ['build', '--root', t.root, '--progress', 'plain', '--no-cache', '--network', 'none', ctx];
    const t0 = Date.now();
    const r = timeBin
      ? spawnSync(timeBin, ['-f', 'maxrss=%M', TSBUILD_BIN, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 })
      : spawnSync(TSBUILD_BIN, args, { encoding: 'utf8', maxBuffer: 256 << 20 });
    const ms = Date.now() - t0;
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('[E_EXEC_FAILED]');
    // the failed step's tail still ends with its last line
    expect(r.stderr).toContain('end-of-output');
    // was 70 s and 443 MB; the bound leaves room for a busy machine
    expect(ms).toBeLessThan(15_000);
    const rss = /maxrss=(\d+)/.exec(r.stderr);
    if (rss) expect(Number(rss[1])).toBeLessThan(250_000);
  }, 30_000);

  it('a NUL byte in a RUN line is E_NUL_BYTE naming the line', () => {
    const ctx = context('FROM busybox\nRUN echo a\0b\n');
    const r = build(ctx);
    expectCleanFailure(r, 'E_NUL_BYTE');
    expect(r.stderr).toContain('Dockerfile:2:1');
  });

  it('an environment too big for exec is E_ARG_TOO_LONG (E2BIG), not an internal spawn error', () => {
    const value = 'v'.repeat(10_000);
    let df = 'FROM busybox\n';
    for (let i = 0; i < 300; i++) df += `ENV VAR_${i}=${value}\n`;
    df += 'RUN true\n';
    const r = build(context(df));
    expectCleanFailure(r, 'E_ARG_TOO_LONG');
    expect(r.stderr).toContain('E2BIG');
  }, 60_000);
});

describe('a full disk', () => {
  it('a small tmpfs as --root: E_NO_SPACE naming the cause, the store consistent', () => {
    const mnt = join(work, 'tiny');
    mkdirSync(mnt);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mnt]);
    if (m.status !== 0) {
      console.warn(`skipped: cannot mount a tmpfs (${m.stderr?.toString().trim()})`);
      return;
    }
    try {
      const root = join(mnt, 'root');
      expect(runTsbuild(['import', '--root', root, busyboxRootfsTar(), 'busybox']).code).toBe(0);
      const ctx = context('FROM busybox\nCOPY blob /blob\n');
      writeFileSync(join(ctx, 'blob'), Buffer.alloc(10 << 20, 7));
      const r = spawnSync(TSBUILD_BIN, ['build', '--root', root, '-q', '--network', 'none', ctx], { encoding: 'utf8' });
      expect(r.stderr).toContain('no space left on device');
      expect(r.stderr).toContain('[E_NO_SPACE]');
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.status).toBe(1);
      // an export onto the full file system: E_NO_SPACE and no partial tar
      const small = context('FROM busybox\nENV A=1\n');
      const x = spawnSync(TSBUILD_BIN, ['build', '--root', root, '-q', '--network', 'none', '-o', `type=tar,dest=${join(mnt, 'out.tar')}`, small], { encoding: 'utf8' });
      expect(x.stderr).toContain('[E_NO_SPACE]');
      expect(x.status).toBe(1);
      expect(readdirSync(mnt)).toEqual(['root']);
      expect(runTsbuild(['fsck', '--root', root]).code).toBe(0);
    } finally {
      spawnSync('umount', ['-l', mnt]);
    }
  });
});

describe('SIGTERM', () => {
  it('ends a build inside RUN within seconds, exit 130, leaving no mount and no process', async () => {
    const mark = `sigterm-mark-${process.pid}`;
    const ctx = context(`FROM busybox\nRUN sh -c 'sleep 300 # ${mark}'\n`);
    const child = spawn(TSBUILD_BIN, ['build', '--root', t.root, '--progress', 'plain', '--no-cache', '--network', 'none', ctx], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    const running = () => spawnSync('pgrep', ['-f', mark]).status === 0;
    const t0 = Date.now();
    while (!running() && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
    expect(running()).toBe(true);
    const k0 = Date.now();
    child.kill('SIGTERM');
    const code = await exited;
    expect(Date.now() - k0).toBeLessThan(5_000);
    expect(code).toBe(130);
    expect(err).toContain('[E_CANCELLED]');
    expect(running()).toBe(false);
    expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(t.root);
    expect(readdirSync(join(t.root, 'tmp')).filter((n) => n.startsWith('proc-'))).toEqual([]);
  }, 40_000);
});

describe('file names are bytes', () => {
  it.each([[{}], [{ TSBUILD_EXTRACT_WORKERS: '2', TSBUILD_NO_SNAPSHOT: '1' }], [{ TSBUILD_SNAPSHOTTER: 'copy' }]])('non-UTF-8 names made by a RUN go into the layer, the next step, -o local and -o tar exactly (%o)', (env) => {
    const ctx = context(
      'FROM busybox\n' +
        'RUN touch "$(printf "bad\\377name")" && mkdir "d$(printf "\\376")" && echo hi > "d$(printf "\\376")/x$(printf "\\377")" && ln -s "$(printf "t\\377")" /lnk\n' +
        'RUN test -f "$(printf "bad\\377name")" && cat "d$(printf "\\376")/x$(printf "\\377")" > /seen\n',
    );
    const out = join(work, `nu-${n}`);
    const r = build(ctx, ['--no-cache', '-o', `type=local,dest=${out}`, '-o', `type=tar,dest=${out}.tar`], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const names = readdirSync(out, { encoding: 'buffer' }).map((b) => b.toString('hex'));
    expect(names).toContain(Buffer.from('bad\xffname', 'latin1').toString('hex'));
    expect(names).toContain(Buffer.from('d\xfe', 'latin1').toString('hex'));
    expect(readFileSync(Buffer.from(`${out}/d\xfe/x\xff`, 'latin1'), 'utf8')).toBe('hi\n');
    expect(readFileSync(join(out, 'seen'), 'utf8')).toBe('hi\n');
    expect(readlinkSync(join(out, 'lnk'), { encoding: 'buffer' })).toEqual(Buffer.from('t\xff', 'latin1'));
    // the tar holds the raw bytes (GNU tar lists them escaped as \377)
    const listed = spawnSync('tar', ['-tf', `${out}.tar`], { encoding: 'latin1' }).stdout;
    expect(listed).toContain('./bad\\377name');
    expect(listed).toContain('./d\\376/x\\377');
  });
});

describe('non-UTF-8 names in the context', () => {
  it.each([[{}], [{ TSBUILD_NO_SNAPSHOT: '1' }]])('are copied byte for byte, and a rename to other bytes is a cache miss (%o)', (env) => {
    // (its own Dockerfile text per run: the other run's results must not answer from the cache)
    const ctx = context(`FROM busybox\nCOPY . /c/\n# ${JSON.stringify(env)}\n`);
    const f1 = Buffer.from(`${ctx}/f\xff`, 'latin1');
    writeFileSync(f1, 'one');
    mkdirSync(Buffer.from(`${ctx}/sub\xfe`, 'latin1'));
    writeFileSync(Buffer.from(`${ctx}/sub\xfe/g\xfdh`, 'latin1'), 'two');
    const out = join(work, `nc-${n}`);
    const first = build(ctx, ['--progress', 'plain', '-o', `type=local,dest=${out}`], env);
    expect(first.stderr).not.toMatch(/internal error|ERROR/);
    expect(first.code).toBe(0);
    expect(readFileSync(Buffer.from(`${out}/c/f\xff`, 'latin1'), 'utf8')).toBe('one');
    expect(readFileSync(Buffer.from(`${out}/c/sub\xfe/g\xfdh`, 'latin1'), 'utf8')).toBe('two');
    // twice more: the second build answers from the context cache, the third after renaming to other bytes
    const again = build(ctx, ['--progress', 'plain'], env);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/#2 CACHED/);
    renameSync(f1, Buffer.from(`${ctx}/f\xfc`, 'latin1'));
    rmSync(out, { recursive: true, force: true });
    const renamed = build(ctx, ['--progress', 'plain', '-o', `type=local,dest=${out}`], env);
    expect(renamed.code).toBe(0);
    expect(renamed.stderr).not.toMatch(/#2 CACHED/);
    expect(readdirSync(join(out, 'c'), { encoding: 'buffer' }).map((b) => b.toString('latin1'))).toContain('f\xfc');
  });
});
