/**
 * The launcher (bin/tsbuild) and the CLI's V8 startup snapshot: used when it was made by this node
 * binary, skipped otherwise; and the snapshot build refuses modules that read per-process state
 * at module scope (that state would be frozen into every later process).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const PKG = resolve(__dirname, '../../packages/builder');
const BIN = join(PKG, 'bin/tsbuild');
const tmp = mkdtempSync(join(tmpdir(), 'tsb-snap-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (cmd: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });

describe('bin/tsbuild launcher', () => {
  it('is what npm links as the installed bin (node_modules/.bin/tsbuild), as the lockfile says', () => {
    // A stale lockfile `bin` entry once linked bin/tsbuild.js, skipping the launcher and its snapshot.
    const linked = realpathSync(resolve(__dirname, '../../node_modules/.bin/tsbuild'));
    expect(linked).toBe(realpathSync(BIN));
    const lock = JSON.parse(readFileSync(resolve(__dirname, '../../package-lock.json'), 'utf8'));
    const pkg = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
    expect(lock.packages['packages/builder'].bin).toEqual(pkg.bin);
    const r = run(resolve(__dirname, '../../node_modules/.bin/tsbuild'), ['--version']);
    expect(r.stdout).toContain('startup snapshot');
  });

  it.skipIf(!existsSync('/usr/bin/strace'))('through npm\'s bin link it starts node directly: no readlink(1) process first', () => {
    // resolving the link with $(readlink -f) was a fork+exec on every build (~5 ms of a warm one)
    const trace = join(tmp, 'execve.txt');
    const r = run('/usr/bin/strace', ['-f', '-e', 'trace=execve', '-o', trace, resolve(__dirname, '../../node_modules/.bin/tsbuild'), '--version']);
    expect(r.stdout).toContain('startup snapshot');
    const execs = readFileSync(trace, 'utf8').split('\n').filter((l) => /execve\(/.test(l) && !/ENOENT/.test(l)).map((l) => /execve\("([^"]+)"/.exec(l)?.[1]);
    expect(execs.map((e) => e?.split('/').pop())).toEqual(['tsbuild', 'node']);
  });

  it('starts from the snapshot made by this node binary', () => {
    const r = run(BIN, ['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`tsbuild 0.1.0 (node ${process.version}, startup snapshot)\n`);
  });

  it('passes Node-looking flags through to tsbuild, not to node', () => {
    const r = run(BIN, ['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: tsbuild');
  });

  it('TSBUILD_NO_SNAPSHOT=1 starts the plain CLI', () => {
    const r = run(BIN, ['--version'], { TSBUILD_NO_SNAPSHOT: '1' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`tsbuild 0.1.0 (node ${process.version})\n`);
  });

  it('falls back to the plain CLI when the snapshot was made by another node binary', () => {
    // a copy of the package layout whose blob claims another node: the launcher must not use it
    const root = join(tmp, 'pkg');
    mkdirSync(join(root, 'bin'), { recursive: true });
    mkdirSync(join(root, 'dist/startup'), { recursive: true });
    copyFileSync(BIN, join(root, 'bin/tsbuild'));
    symlinkSync(join(PKG, 'bin/tsbuild.js'), join(root, 'bin/tsbuild.js'));
    symlinkSync(join(PKG, 'dist/startup/tsbuild.blob'), join(root, 'dist/startup/tsbuild.blob'));
    writeFileSync(join(root, 'dist/startup/tsbuild.blob.node'), `/usr/local/bin/node-other ${root}\n`);
    const r = run(join(root, 'bin/tsbuild'), ['--version']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`tsbuild 0.1.0 (node ${process.version})\n`);
  });

  it('falls back when the package was moved after the blob was made (paths inside it are stale)', () => {
    const root = join(tmp, 'moved');
    mkdirSync(join(root, 'bin'), { recursive: true });
    mkdirSync(join(root, 'dist/startup'), { recursive: true });
    copyFileSync(BIN, join(root, 'bin/tsbuild'));
    symlinkSync(join(PKG, 'bin/tsbuild.js'), join(root, 'bin/tsbuild.js'));
    symlinkSync(join(PKG, 'dist/startup/tsbuild.blob'), join(root, 'dist/startup/tsbuild.blob'));
    // the right node binary (record copied with its mtime), but made for the package at its original place
    execFileSync('cp', ['-p', join(PKG, 'dist/startup/tsbuild.blob.node'), join(root, 'dist/startup/tsbuild.blob.node')]);
    const r = run(join(root, 'bin/tsbuild'), ['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`tsbuild 0.1.0 (node ${process.version})\n`);
  });

  it('falls back when the node binary at the recorded path was replaced (its mtime differs)', () => {
    const root = join(tmp, 'replaced');
    mkdirSync(join(root, 'bin'), { recursive: true });
    mkdirSync(join(root, 'dist/startup'), { recursive: true });
    copyFileSync(BIN, join(root, 'bin/tsbuild'));
    symlinkSync(join(PKG, 'bin/tsbuild.js'), join(root, 'bin/tsbuild.js'));
    symlinkSync(join(PKG, 'dist/startup/tsbuild.blob'), join(root, 'dist/startup/tsbuild.blob'));
    const node = realpathSync(process.execPath);
    writeFileSync(join(root, 'dist/startup/tsbuild.blob.node'), `${node} ${root}\n`);
    const ok = run(join(root, 'bin/tsbuild'), ['--version']);
    expect(ok.stdout).toBe('tsbuild 0.1.0 (node ' + process.version + ')\n'); // record mtime = now, not node's
    execFileSync('touch', ['-r', node, join(root, 'dist/startup/tsbuild.blob.node')]);
    const same = run(join(root, 'bin/tsbuild'), ['--version']);
    expect(same.stdout).toBe(`tsbuild 0.1.0 (node ${process.version}, startup snapshot)\n`);
  });

  it('records the node binary the blob was made with', () => {
    const made = readFileSync(join(PKG, 'dist/startup/tsbuild.blob.node'), 'utf8').trim().split(' ');
    expect(made).toHaveLength(2);
    expect(made[1]).toBe(PKG);
    expect(made[0]).toMatch(/^\//);
  });
});

describe('snapshot guard', () => {
  const guard = readFileSync(resolve(__dirname, '../../scripts/snapshot-guard.cjs'), 'utf8');
  const build = (body: string) => {
    const script = join(tmp, `entry-${Math.random().toString(36).slice(2)}.cjs`);
    writeFileSync(script, `${guard}\n${body}\nglobalThis.__tsbuildSnapshotGuardEnd();\n`);
    return run(process.execPath, ['--snapshot-blob', `${script}.blob`, '--build-snapshot', script]);
  };

  it('fails the snapshot build on module-scope reads of process state, naming each', () => {
    const r = build(`const PID = process.pid;\nconst HOME = process.env.HOME;\nconst UID = process.getuid();\nconst CPUS = require('node:os').cpus().length;`);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('module-scope code reads per-process state');
    for (const what of ['process.pid', 'process.env.HOME', 'process.getuid()', 'os.cpus()']) expect(r.stderr).toContain(what);
  });

  it('accepts modules that read process state only inside functions', () => {
    const r = build(`function pid() { return process.pid; }\nconst lazy = () => process.env.HOME;`);
    expect(r.stderr).not.toContain('per-process state');
    expect(r.status).toBe(0);
  });
});
