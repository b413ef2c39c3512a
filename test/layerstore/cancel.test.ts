/**
 * SIGTERM/SIGINT end the store commands within seconds with their cleanup done, as a cancelled
 * build ends (issue 18): exit 130, `… cancelled: … [E_CANCELLED]`, no partial destination, nothing
 * left in the store's tmp/, `tsbuild fsck` clean, and the same command then succeeds. Each is
 * signalled mid-way through a ~130 MB image of random (incompressible) layers, through the launcher.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTsbuild, TSBUILD_BIN } from '../helpers/cli.js';
import { STORE_TMP } from '../helpers/store.js';

let work: string;
/** the store holding `big:1` (imported once) */
let root: string;
let rootfsTar: string;
let archive: string;

function writeRandom(path: string, bytes: number): void {
  const chunk = 8 << 20;
  const parts: Buffer[] = [];
  for (let n = 0; n < bytes; n += chunk) parts.push(randomBytes(Math.min(chunk, bytes - n)));
  writeFileSync(path, Buffer.concat(parts));
}

beforeAll(() => {
  mkdirSync(STORE_TMP, { recursive: true });
  work = mkdtempSync(join(STORE_TMP, 'cancel-'));
  const rootfs = join(work, 'rootfs');
  mkdirSync(join(rootfs, 'data'), { recursive: true });
  writeRandom(join(rootfs, 'data/a'), 64 << 20);
  writeRandom(join(rootfs, 'data/b'), 64 << 20);
  rootfsTar = join(work, 'rootfs.tar');
  const tar = runTar(['-C', rootfs, '-cf', rootfsTar, '.']);
  expect(tar).toBe(0);
  rmSync(rootfs, { recursive: true, force: true });
  root = join(work, 'root');
  const imp = runTsbuild(['import', '--root', root, rootfsTar, 'big:1']);
  expect(imp.stderr).toBe('');
  archive = join(work, 'big.tar');
  expect(runTsbuild(['save', '--root', root, '-o', archive, 'big:1']).code).toBe(0);
}, 120_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function runTar(args: string[]): number | null {
  return spawnSync('tar', args).status;
}

interface Running { child: ChildProcess; stderr: () => string; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> }

/** Start `tsbuild ARGS`; stdout is read only when `drain` (else a pipe nobody reads: a stalled reader). */
function start(args: string[], drain = true): Running {
  const child = spawn(TSBUILD_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  if (drain) child.stdout!.resume();
  const t0 = Date.now();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, ms: Date.now() - t0 }));
  });
  return { child, stderr: () => err, exit };
}

/** Poll `cond` every 5 ms, up to `ms`. */
async function until(cond: () => boolean, ms = 30_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return cond();
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Signal the command and wait for its end: the time from the signal to the exit. */
async function cancel(r: Running, sig: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; stderr: string }> {
  const t0 = Date.now();
  r.child.kill(sig);
  const e = await r.exit;
  return { ...e, ms: Date.now() - t0, stderr: r.stderr() };
}

function expectCancelled(r: { code: number | null; signal: NodeJS.Signals | null; ms: number; stderr: string }, command: string): void {
  expect(r.signal).toBeNull(); // it handled the signal, it was not killed by it
  expect(r.stderr).toMatch(new RegExp(`error: ${command} cancelled: (terminated|interrupted) \\[E_CANCELLED\\]`));
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(r.code).toBe(130);
  expect(r.ms).toBeLessThan(8_000);
}

function expectStoreClean(storeRoot: string): void {
  expect(entries(join(storeRoot, 'tmp'))).toEqual([]);
  const f = runTsbuild(['fsck', '--root', storeRoot]);
  expect(f.stdout + f.stderr).not.toMatch(/E_|corrupt|missing/i);
  expect(f.code).toBe(0);
  expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(storeRoot);
}

describe('cancelling store commands', () => {
  it('save -o FILE: SIGTERM mid-way leaves no archive and no scratch file; the rerun writes it', async () => {
    const dest = join(work, 'out', 'saved.tar');
    mkdirSync(join(work, 'out'), { recursive: true });
    const r = start(['save', '--root', root, '-o', dest, 'big:1']);
    // mid-way: the scratch archive beside the destination is being written
    expect(await until(() => entries(join(work, 'out')).some((n) => n.startsWith('.saved.tar.tmp-')))).toBe(true);
    const res = await cancel(r);
    expectCancelled(res, 'save');
    expect(entries(join(work, 'out'))).toEqual([]);
    expectStoreClean(root);
    const again = runTsbuild(['save', '--root', root, '-o', dest, 'big:1']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(statSync(dest).size).toBe(statSync(archive).size);
    rmSync(join(work, 'out'), { recursive: true, force: true });
  }, 60_000);

  it('save to a pipe nobody reads (a stalled reader): SIGINT ends it at once', async () => {
    const r = start(['save', '--root', root, 'big:1'], false);
    // the pipe (64 KiB) is full long before the archive is written: tsbuild is blocked on it
    await new Promise((res) => setTimeout(res, 1500));
    expect(r.child.exitCode).toBeNull();
    const res = await cancel(r, 'SIGINT');
    expectCancelled(res, 'save');
    expect(res.stderr).toContain('interrupted');
    expectStoreClean(root);
  }, 60_000);

  it('load: SIGTERM mid-way removes the blobs it added and its temp files; nothing is tagged; the rerun loads', async () => {
    const fresh = join(work, 'load-root');
    const r = start(['load', '--root', fresh, '-i', archive]);
    expect(await until(() => entries(join(fresh, 'tmp')).some((n) => n.startsWith('blob')))).toBe(true);
    const res = await cancel(r);
    expectCancelled(res, 'load');
    expectStoreClean(fresh);
    expect(runTsbuild(['images', '--root', fresh]).stdout).not.toContain('big');
    const again = runTsbuild(['load', '--root', fresh, '-i', archive]);
    expect(again.stderr).toBe('');
    expect(again.stdout).toContain('Loaded image: big:1');
    expect(again.code).toBe(0);
    expectStoreClean(fresh);
  }, 60_000);

  it('load --unpack: SIGTERM while unpacking removes the half-extracted snapshot; the rerun unpacks', async () => {
    const fresh = join(work, 'unpack-root');
    const r = start(['load', '--root', fresh, '--unpack', '-i', archive]);
    expect(await until(() => entries(join(fresh, 'tmp')).some((n) => n.startsWith('snapshot')), 60_000)).toBe(true);
    const res = await cancel(r);
    expectCancelled(res, 'load');
    expectStoreClean(fresh);
    expect(entries(join(fresh, 'snapshots-v1')).length + entries(join(fresh, 'snapshots')).length).toBe(0);
    const again = runTsbuild(['load', '--root', fresh, '--unpack', '-i', archive]);
    expect(again.code).toBe(0);
    expectStoreClean(fresh);
  }, 90_000);

  it('import: SIGTERM mid-way leaves no layer, no tag, no temp file; the rerun imports', async () => {
    const fresh = join(work, 'import-root');
    const r = start(['import', '--root', fresh, rootfsTar, 'imp:1']);
    expect(await until(() => entries(join(fresh, 'tmp')).length > 0)).toBe(true);
    const res = await cancel(r);
    expectCancelled(res, 'import');
    expectStoreClean(fresh);
    expect(runTsbuild(['images', '--root', fresh]).stdout).not.toContain('imp');
    const again = runTsbuild(['import', '--root', fresh, rootfsTar, 'imp:1']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
  }, 60_000);

  it('build -o type=tar: SIGTERM during the export leaves no partial tar', async () => {
    const ctx = join(work, 'ctx');
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM big:1\n');
    const out = join(work, 'tar-out');
    mkdirSync(out, { recursive: true });
    const dest = join(out, 'fs.tar');
    const r = start(['build', '--root', root, '-q', '--network', 'none', '-o', `type=tar,dest=${dest}`, ctx]);
    // the export flattens the layers into the store's tmp/ first, then tars them beside dest
    expect(await until(() => entries(join(root, 'tmp')).some((n) => n.startsWith('export-')) || entries(out).length > 0)).toBe(true);
    const res = await cancel(r);
    expect(res.signal).toBeNull();
    expect(res.stderr).toMatch(/build cancelled: .*\[E_CANCELLED\]/);
    expect(res.code).toBe(130);
    expect(res.ms).toBeLessThan(8_000);
    expect(entries(out)).toEqual([]);
    expectStoreClean(root);
    const again = runTsbuild(['build', '--root', root, '-q', '--network', 'none', '-o', `type=tar,dest=${dest}`, ctx]);
    expect(again.code).toBe(0);
    expect(existsSync(dest)).toBe(true);
  }, 90_000);
});
