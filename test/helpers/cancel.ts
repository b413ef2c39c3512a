/**
 * Signalling a running `tsbuild` command mid-way and checking that it ended as a cancelled
 * command ends (test/layerstore/cancel.test.ts, test/registry/cancel.test.ts): what they share.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runTsbuild, TSBUILD_BIN } from './cli.js';

export interface Exit { code: number | null; signal: NodeJS.Signals | null; ms: number }
export interface Running { child: ChildProcess; stderr: () => string; exit: Promise<Exit> }

/**
 * A root filesystem tar of `files` files of `mb` MiB random (incompressible) bytes each at `path`:
 * big enough that every transfer of it takes a while.
 */
export function randomRootfsTar(dir: string, path: string, files = 2, mb = 64): void {
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'data'), { recursive: true });
  for (let i = 0; i < files; i++) {
    const parts: Buffer[] = [];
    for (let n = 0; n < mb; n += 8) parts.push(randomBytes(Math.min(8, mb - n) << 20));
    writeFileSync(join(rootfs, `data/f${i}`), Buffer.concat(parts));
  }
  expect(spawnSync('tar', ['-C', rootfs, '-cf', path, '.']).status).toBe(0);
  rmSync(rootfs, { recursive: true, force: true });
}

/** Start `tsbuild ARGS`; stdout is read only when `drain` (else a pipe nobody reads: a stalled reader). */
export function start(args: string[], opts: { drain?: boolean; env?: NodeJS.ProcessEnv } = {}): Running {
  const child = spawn(TSBUILD_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  if (opts.drain !== false) child.stdout!.resume();
  const t0 = Date.now();
  const exit = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, ms: Date.now() - t0 })));
  return { child, stderr: () => err, exit };
}

/** Poll `cond` every 5 ms, up to `ms`. */
export async function until(cond: () => boolean, ms = 30_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return cond();
}

export function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Signal the command and wait for its end; `ms` is the time from the signal to the exit. */
export async function cancel(r: Running, sig: NodeJS.Signals = 'SIGTERM'): Promise<Exit & { stderr: string }> {
  const t0 = Date.now();
  r.child.kill(sig);
  const e = await r.exit;
  return { ...e, ms: Date.now() - t0, stderr: r.stderr() };
}

/** Ended as a cancelled build ends: it handled the signal, said `COMMAND cancelled … [E_CANCELLED]`, exit 130, within seconds. */
export function expectCancelled(r: Exit & { stderr: string }, command: string): void {
  expect(r.signal).toBeNull();
  expect(r.stderr).toMatch(new RegExp(`error: ${command} cancelled: (terminated|interrupted) \\[E_CANCELLED\\]`));
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(r.code).toBe(130);
  expect(r.ms).toBeLessThan(8_000);
}

/** Nothing left in the store's tmp/, `tsbuild fsck` clean, no mount of the store. */
export function expectStoreClean(storeRoot: string): void {
  expect(entries(join(storeRoot, 'tmp'))).toEqual([]);
  const f = runTsbuild(['fsck', '--root', storeRoot]);
  expect(f.stdout + f.stderr).not.toMatch(/E_|corrupt|missing/i);
  expect(f.code).toBe(0);
  expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(storeRoot);
}
