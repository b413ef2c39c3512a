/**
 * kill -9 of the builder at seeded random moments of a build, a RUN (with a secret), a
 * `load --unpack` and an export (-o tar + -o local), through the installed launcher. After every
 * kill: no process of the killed build survives, the next run on the store succeeds and has
 * removed the killed build's mounts, scratch and secret copies (nothing of ours in /proc/mounts,
 * no tsbuild-<pid>-* dir on tmpfs, the secret nowhere in the store), the export destinations are
 * either complete or absent, and fsck is clean.
 * TSBUILD_KILL_LOOP_SEED and TSBUILD_KILL_LOOP_TRIES replay or stretch it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '@tsbuild/layerstore';
import { busyboxRootfsTar } from '../helpers/busybox.js';
import { runTsbuild, TSBUILD_BIN } from '../helpers/cli.js';
import { STORE_TMP } from '../helpers/store.js';

const SEED = Number(process.env.TSBUILD_KILL_LOOP_SEED ?? 18);
const TRIES = Number(process.env.TSBUILD_KILL_LOOP_TRIES ?? 52);
const SECRET = `kill-loop-secret-${SEED}-c0ffee`;
const MARK = `kill-loop-marker-${process.pid}`;

/** mulberry32: the same delays and operations for the same seed */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let dir: string;
let root: string;
let loadRoot: string;
let archive: string;
const ctx: Record<string, string> = {};

beforeAll(() => {
  mkdirSync(STORE_TMP, { recursive: true });
  dir = mkdtempSync(join(STORE_TMP, 'kill-'));
  root = join(dir, 'root');
  loadRoot = join(dir, 'load-root');
  expect(runTsbuild(['import', '--root', root, busyboxRootfsTar(), 'busybox']).code).toBe(0);
  archive = join(dir, 'busybox.tar');
  expect(runTsbuild(['save', '--root', root, 'busybox', '-o', archive]).code).toBe(0);
  writeFileSync(join(dir, 'secret'), SECRET);
  const files: Record<string, string> = {
    run: `FROM busybox\nRUN --mount=type=secret,id=s,required cat /run/secrets/s > /dev/null && sh -c 'sleep 30; echo ${MARK}'\n`,
    build: `FROM busybox\nCOPY . /ctx\nRUN --mount=type=secret,id=s,required echo ${MARK} > /x\nRUN ls /ctx > /y\n`,
    export: 'FROM busybox\nRUN echo exported > /exported\n',
    next: 'FROM busybox\nRUN echo next > /next\n',
  };
  for (const [k, df] of Object.entries(files)) {
    ctx[k] = join(dir, `ctx-${k}`);
    mkdirSync(ctx[k]!);
    writeFileSync(join(ctx[k]!, 'Dockerfile'), df);
    for (let i = 0; i < 50; i++) writeFileSync(join(ctx[k]!, `f${i}`), `${i}\n`);
  }
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** pids whose command line mentions `needle` (the killed build's RUN processes and their unshare) */
function processesWith(needle: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      if (cmd.includes(needle) && !/\) Z /.test(stat)) out.push(Number(p));
    } catch {
      /* gone */
    }
  }
  return out;
}

async function until(ok: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (ok()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return ok();
}

function ourMounts(): string[] {
  return readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(dir));
}

function secretOnDisk(): string[] {
  const r = spawnSync('grep', ['-rlF', SECRET, root, loadRoot], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean);
}

type Op = 'run' | 'build' | 'load' | 'export';

function argsFor(op: Op, i: number): string[] {
  const secret = ['--secret', `id=s,src=${join(dir, 'secret')}`];
  switch (op) {
    case 'run':
      return ['build', '--root', root, '-q', '--no-cache', '--network', 'none', ...secret, ctx.run!];
    case 'build':
      return ['build', '--root', root, '-q', '--no-cache', '--network', 'none', ...secret, '-t', `killed:${i}`, ctx.build!];
    case 'load':
      return ['load', '--root', loadRoot, '--unpack', '-i', archive];
    case 'export':
      return ['build', '--root', root, '-q', '--network', 'none', '-o', `type=tar,dest=${join(dir, `out-${i}.tar`)}`, '-o', `type=local,dest=${join(dir, `out-${i}`)}`, ctx.export!];
  }
}

describe('kill -9 loop', () => {
  it(`${TRIES} kills at seeded moments (seed ${SEED}) leave nothing behind`, async () => {
    const rand = prng(SEED);
    const ops: Op[] = ['run', 'build', 'load', 'export'];
    const seen = { killed: 0, finished: 0, inRun: 0, leftMounts: 0, leftSecrets: 0 };
    for (let i = 0; i < TRIES; i++) {
      const op = ops[i % ops.length]!;
      const delay = Math.floor(30 + rand() * (op === 'run' ? 900 : 500));
      if (op === 'load') rmSync(loadRoot, { recursive: true, force: true });
      const child = spawn(TSBUILD_BIN, argsFor(op, i), { stdio: 'ignore' });
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      const early = await Promise.race([exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), delay))]);
      if (!early) {
        if (processesWith(MARK).length > 0) seen.inRun++;
        child.kill('SIGKILL');
      }
      const code = await exited;
      if (early) {
        seen.finished++;
        expect(code, `try ${i} (${op}) finished by itself`).toBe(0);
      } else seen.killed++;
      const pid = child.pid!;
      const where = `try ${i}: ${op} killed after ${delay} ms (seed ${SEED})`;

      // nothing of the killed build runs on (the parent-death signal is delivered asynchronously)
      expect(await until(() => processesWith(MARK).length === 0, 3000), `${where}: surviving processes ${processesWith(MARK)}`).toBe(true);

      if (ourMounts().length > 0) seen.leftMounts++;
      if (readdirSync('/dev/shm').some((n) => n.startsWith(`tsbuild-${pid}-`))) seen.leftSecrets++;
      // the next run on the store succeeds, and removes the killed build's mounts, scratch, secrets
      const next = runTsbuild(['build', '--root', root, '-q', '--network', 'none', ctx.next!]);
      expect(next.code, `${where}: next run: ${next.stderr}`).toBe(0);
      expect(ourMounts(), where).toEqual([]);
      expect(readdirSync('/dev/shm').filter((n) => n.startsWith(`tsbuild-${pid}-`)), where).toEqual([]);
      expect(secretOnDisk(), where).toEqual([]);
      expect(readdirSync(join(root, 'tmp')).filter((n) => n.startsWith(`proc-${pid}-`)), where).toEqual([]);

      // export destinations are complete or absent; scratch beside them is only a killed build's
      if (op === 'export') {
        const tar = join(dir, `out-${i}.tar`);
        if (existsSync(tar)) expect(spawnSync('tar', ['-tf', tar], { encoding: 'utf8' }).stdout, where).toContain('./exported');
        const local = join(dir, `out-${i}`);
        if (existsSync(local)) expect(readFileSync(join(local, 'exported'), 'utf8'), where).toBe('exported\n');
      }

      if (op === 'load' && existsSync(loadRoot)) {
        // the next run on that store: the same load, to completion; it removes the killed one's scratch
        const again = runTsbuild(['load', '--root', loadRoot, '--unpack', '-i', archive]);
        expect(again.code, `${where}: next load: ${again.stderr}`).toBe(0);
        expect(readdirSync(join(loadRoot, 'tmp')).filter((n) => n.includes(`-${pid}-`)), where).toEqual([]);
      }
      for (const r of op === 'load' ? [root, loadRoot] : [root]) {
        if (!existsSync(r)) continue;
        const s = await openStore(r);
        expect(await s.fsck(), `${where}: fsck ${r}`).toEqual([]);
        await s.close();
      }
    }
    // the seeds must actually kill (most tries), not only watch commands finish
    // …and some kills must land inside a RUN and leave mounts and secret copies for the next run to clear
    expect(seen.killed).toBeGreaterThanOrEqual(TRIES / 2);
    expect(seen.inRun, JSON.stringify(seen)).toBeGreaterThanOrEqual(3);
    expect(seen.leftMounts, JSON.stringify(seen)).toBeGreaterThanOrEqual(1);
    expect(seen.leftSecrets, JSON.stringify(seen)).toBeGreaterThanOrEqual(1);
    console.log(`kill loop: ${JSON.stringify(seen)}`);
  }, 180_000);

  it('prune, too, removes what a build killed inside RUN left (mounts, scratch, secret copies)', async () => {
    const child = spawn(TSBUILD_BIN, argsFor('run', 999), { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    expect(await until(() => processesWith(MARK).length > 0, 20_000)).toBe(true);
    child.kill('SIGKILL');
    await exited;
    expect(await until(() => processesWith(MARK).length === 0, 3000)).toBe(true);
    const pid = child.pid!;
    expect(ourMounts().length).toBeGreaterThan(0);
    expect(readdirSync('/dev/shm').filter((n) => n.startsWith(`tsbuild-${pid}-`)).length).toBeGreaterThan(0);
    const p = runTsbuild(['prune', '--root', root, '--json']);
    expect(p.code).toBe(0);
    expect(JSON.parse(p.stdout)).toMatchObject({ deadBuildDirs: expect.any(Number), deadBuildMounts: expect.any(Number) });
    expect(JSON.parse(p.stdout).deadBuildMounts).toBeGreaterThan(0);
    expect(ourMounts()).toEqual([]);
    expect(readdirSync('/dev/shm').filter((n) => n.startsWith(`tsbuild-${pid}-`))).toEqual([]);
    expect(readdirSync(join(root, 'tmp')).filter((n) => n.startsWith(`proc-${pid}-`))).toEqual([]);
    expect(secretOnDisk()).toEqual([]);
  }, 60_000);
});

describe('where secret copies live', () => {
  it('on tmpfs by default, in TSBUILD_SECRETS_DIR when set; removed after the step either way', async () => {
    const pinned = join(dir, 'secrets-here');
    mkdirSync(pinned);
    const ctxDir = join(dir, 'ctx-secret-where');
    mkdirSync(ctxDir);
    writeFileSync(join(ctxDir, 'Dockerfile'), `FROM busybox\nRUN --mount=type=secret,id=s,required sleep 1 # ${MARK}-where\n`);
    for (const env of [{}, { TSBUILD_SECRETS_DIR: pinned }]) {
      const base = 'TSBUILD_SECRETS_DIR' in env ? pinned : '/dev/shm';
      const child = spawn(TSBUILD_BIN, ['build', '--root', root, '-q', '--no-cache', '--network', 'none', '--secret', `id=s,src=${join(dir, 'secret')}`, ctxDir], { stdio: 'ignore', env: { ...process.env, ...env } });
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      const seen = await until(() => readdirSync(base).some((n) => n.startsWith(`tsbuild-${child.pid}-`)), 20_000);
      expect(await exited).toBe(0);
      expect(seen, base).toBe(true);
      expect(readdirSync(base).filter((n) => n.startsWith(`tsbuild-${child.pid}-`))).toEqual([]);
      expect(secretOnDisk()).toEqual([]);
    }
  }, 60_000);
});

describe('kill -9 with the runc executor', () => {
  it.skipIf(!existsSync('/usr/sbin/runc') && !existsSync('/usr/bin/runc'))('the container dies with the builder (its lifeline deletes it)', async () => {
    const ctxDir = join(dir, 'ctx-runc');
    mkdirSync(ctxDir, { recursive: true });
    writeFileSync(join(ctxDir, 'Dockerfile'), `FROM busybox\nRUN sh -c 'sleep 30; echo ${MARK}-runc'\n`);
    const child = spawn(TSBUILD_BIN, ['build', '--root', root, '-q', '--no-cache', '--network', 'none', '--runtime', 'runc', ctxDir], { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    expect(await until(() => processesWith(`${MARK}-runc`).length > 0, 30_000)).toBe(true);
    child.kill('SIGKILL');
    await exited;
    expect(await until(() => processesWith(`${MARK}-runc`).length === 0, 5000), `survivors: ${processesWith(`${MARK}-runc`)}`).toBe(true);
    const next = runTsbuild(['build', '--root', root, '-q', '--network', 'none', ctx.next!]);
    expect(next.code, next.stderr).toBe(0);
    expect(ourMounts()).toEqual([]);
  }, 60_000);
});

