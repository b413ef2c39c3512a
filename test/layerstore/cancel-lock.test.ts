/**
 * A wait for the store lock is cancellable: a command queued behind another process's lock (a long
 * prune, a tag) ends on SIGTERM within moments as E_CANCELLED, instead of waiting out the lock's
 * timeout or the CLI's grace period. The holder here is a live process the test owns (`sleep`),
 * named in the lock file exactly as a tsbuild owner is (pid, start time). Through the installed bin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processStart } from '@tsbuild/layerstore';
import { runTsbuild } from '../helpers/cli.js';
import { cancel, expectCancelled, start, until } from '../helpers/cancel.js';

let root: string;
let holder: ChildProcess;
let token: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tsb-lockwait-'));
  expect(runTsbuild(['images', '--root', root]).code).toBe(0); // the layout exists
  holder = spawn('sleep', ['300'], { stdio: 'ignore' });
  const startTime = processStart(holder.pid!);
  expect(startTime).toBeDefined();
  token = `${holder.pid} ${startTime} 00112233aabbccdd\n`;
  writeFileSync(join(root, 'store.lock'), token);
});
afterAll(() => {
  holder?.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('waiting for the store lock', () => {
  it('prune behind a live holder: SIGTERM ends the wait at once (E_CANCELLED, exit 130), the holder\'s lock untouched', async () => {
    const r = start(['prune', '--root', root]);
    // it is waiting: still running well past its start-up
    await new Promise((res) => setTimeout(res, 1500));
    expect(r.child.exitCode).toBeNull();
    const e = await cancel(r, 'SIGTERM');
    expectCancelled(e, 'prune');
    expect(e.ms).toBeLessThan(3000);
    expect(readFileSync(join(root, 'store.lock'), 'utf8')).toBe(token);
  });

  it('build -t behind a live holder: the steps run, the tag waits, SIGINT ends it at once; freed, the rerun tags', async () => {
    const ctx = mkdtempSync(join(tmpdir(), 'tsb-lockwait-ctx-'));
    try {
      writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY a /a\n');
      writeFileSync(join(ctx, 'a'), 'a\n');
      const r = start(['build', '--root', root, '--progress', 'plain', '-t', 'waits:1', ctx]);
      // the COPY is done (its layer written) and the build is at its tag, waiting
      expect(await until(() => /#\d+ DONE/.test(r.stderr()) && /COPY a \/a/.test(r.stderr()), 30_000)).toBe(true);
      await new Promise((res) => setTimeout(res, 1000));
      expect(r.child.exitCode).toBeNull();
      const e = await cancel(r, 'SIGINT');
      expect(e.stderr).toMatch(/build cancelled: interrupted \[E_CANCELLED\]/);
      expect(e.code).toBe(130);
      expect(e.ms).toBeLessThan(3000);
      expect(readFileSync(join(root, 'store.lock'), 'utf8')).toBe(token);
      expect(runTsbuild(['images', '--root', root]).stdout).not.toContain('waits');
      // the holder goes: its lock is stale, broken by the next command
      holder.kill('SIGKILL');
      await until(() => processStart(holder.pid!) === undefined, 5000);
      const again = runTsbuild(['build', '--root', root, '--progress', 'quiet', '-t', 'waits:1', ctx]);
      expect(again.code, again.stderr).toBe(0);
      expect(runTsbuild(['images', '--root', root]).stdout).toContain('waits');
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
  });
});

