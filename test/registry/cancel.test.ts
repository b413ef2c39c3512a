/**
 * SIGTERM ends `tsbuild push` and `tsbuild pull` within seconds, cleaned up, as a cancelled build
 * ends (issue 18): exit 130, E_CANCELLED, nothing in the store's tmp/, fsck clean, no tag from a
 * cancelled pull, and the rerun succeeds. A ~130 MB image of random layers, a real registry.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTsbuild } from '../helpers/cli.js';
import { STORE_TMP } from '../helpers/store.js';
import { cancel, entries, expectCancelled, expectStoreClean, randomRootfsTar, start, until } from '../helpers/cancel.js';
import { hasRegistry, startRegistry, type RunningRegistry } from './servers.js';

const d = describe.skipIf(!hasRegistry);
if (!hasRegistry) console.warn('skipping registry cancel tests: /usr/bin/docker-registry is not installed (apt-get install docker-registry)');

let reg: RunningRegistry;
let work: string;
let root: string;
let env: Record<string, string>;

beforeAll(async () => {
  if (!hasRegistry) return;
  reg = await startRegistry();
  mkdirSync(STORE_TMP, { recursive: true });
  work = mkdtempSync(join(STORE_TMP, 'regcancel-'));
  env = { HOME: work, DOCKER_CONFIG: join(work, 'docker'), TSBUILD_CONFIG: join(work, 'tsbuild.json') };
  const tar = join(work, 'rootfs.tar');
  randomRootfsTar(work, tar);
  root = join(work, 'root');
  expect(runTsbuild(['import', '--root', root, tar, 'big:1']).code).toBe(0);
  rmSync(tar, { force: true });
}, 120_000);
afterAll(async () => {
  await reg?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Bytes of blob uploads in progress in the registry's storage (`_uploads/<id>/data`). */
function uploading(dir: string): number {
  let n = 0;
  const walk = (p: string, depth: number): void => {
    if (depth > 12) return;
    for (const e of entries(p)) {
      const q = join(p, e);
      if (e === 'data' && p.includes('_uploads')) n += statSync(q, { throwIfNoEntry: false })?.size ?? 0;
      else if (statSync(q, { throwIfNoEntry: false })?.isDirectory()) walk(q, depth + 1);
    }
  };
  walk(dir, 0);
  return n;
}

d('cancelling registry transfers', () => {
  it('push: SIGTERM mid-upload ends it, E_CANCELLED, exit 130; the rerun pushes', async () => {
    const target = `${reg.host}/cancel/big:1`;
    const p = start(['push', '--root', root, 'big:1', target], { env });
    expect(await until(() => uploading(reg.dir) > 0, 60_000)).toBe(true);
    const res = await cancel(p);
    expectCancelled(res, 'push');
    expectStoreClean(root);
    const again = runTsbuild(['push', '--root', root, 'big:1', target], { env });
    expect(again.stderr).not.toMatch(/error/);
    expect(again.code).toBe(0);
  }, 120_000);

  it('pull: SIGTERM mid-download leaves no temp file and no tag; the rerun pulls', async () => {
    const target = `${reg.host}/cancel/big:1`;
    const fresh = join(work, 'pull-root');
    const r = start(['pull', '--root', fresh, target], { env });
    expect(await until(() => entries(join(fresh, 'tmp')).length > 0, 60_000)).toBe(true);
    const res = await cancel(r);
    expectCancelled(res, 'pull');
    expectStoreClean(fresh);
    expect(runTsbuild(['images', '--root', fresh]).stdout).not.toContain('cancel/big');
    const again = runTsbuild(['pull', '--root', fresh, target], { env });
    expect(again.code).toBe(0);
    expect(runTsbuild(['images', '--root', fresh]).stdout).toContain('cancel/big');
    expectStoreClean(fresh);
  }, 120_000);
});
