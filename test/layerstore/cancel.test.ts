/**
 * SIGTERM/SIGINT end the store commands within seconds with their cleanup done, as a cancelled
 * build ends (issue 18): exit 130, `… cancelled: … [E_CANCELLED]`, no partial destination, nothing
 * left in the store's tmp/, `tsbuild fsck` clean, and the same command then succeeds. Each is
 * signalled mid-way through a ~130 MB image of random (incompressible) layers, through the launcher.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, TsbuildError } from '@tsbuild/builder';
import { runTsbuild } from '../helpers/cli.js';
import { STORE_TMP } from '../helpers/store.js';
import { cancel, entries, expectCancelled, expectStoreClean, randomRootfsTar, start, until } from '../helpers/cancel.js';

let work: string;
/** the store holding `big:1` (imported once) */
let root: string;
let rootfsTar: string;
let archive: string;

beforeAll(() => {
  mkdirSync(STORE_TMP, { recursive: true });
  work = mkdtempSync(join(STORE_TMP, 'cancel-'));
  rootfsTar = join(work, 'rootfs.tar');
  randomRootfsTar(work, rootfsTar);
  root = join(work, 'root');
  const imp = runTsbuild(['import', '--root', root, rootfsTar, 'big:1']);
  expect(imp.stderr).toBe('');
  archive = join(work, 'big.tar');
  expect(runTsbuild(['save', '--root', root, '-o', archive, 'big:1']).code).toBe(0);
}, 120_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

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
    const r = start(['save', '--root', root, 'big:1'], { drain: false });
    // the pipe (64 KiB) is full long before the archive is written: tsbuild is blocked on it
    await new Promise((res) => setTimeout(res, 1500));
    expect(r.child.exitCode).toBeNull();
    const res = await cancel(r, 'SIGINT');
    expectCancelled(res, 'save');
    expect(res.stderr).toContain('interrupted');
    expectStoreClean(root);
  }, 60_000);

  it.each([
    ['the launcher', {}],
    ['the plain bundle', { TSBUILD_NO_SNAPSHOT: '1' }],
  ])('load (%s): SIGTERM mid-way removes the blobs it added and its temp files; nothing is tagged; the rerun loads', async (via, env) => {
    const fresh = join(work, `load-root-${Object.keys(env).length}`);
    const r = start(['load', '--root', fresh, '-i', archive], { env });
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

  it('build -o type=local: SIGTERM while flattening leaves neither the directory nor its scratch', async () => {
    const ctx = join(work, 'ctx-local');
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM big:1\n');
    const parent = join(work, 'local-out');
    mkdirSync(parent, { recursive: true });
    const dest = join(parent, 'rootfs');
    const r = start(['build', '--root', root, '-q', '--network', 'none', '-o', `type=local,dest=${dest}`, ctx]);
    // written beside the destination, renamed into place when complete
    expect(await until(() => entries(parent).some((n) => n.startsWith('.rootfs.tsbuild-')))).toBe(true);
    const res = await cancel(r);
    expect(res.signal).toBeNull();
    expect(res.stderr).toMatch(/build cancelled: .*\[E_CANCELLED\]/);
    expect(res.code).toBe(130);
    expect(res.ms).toBeLessThan(8_000);
    expect(entries(parent)).toEqual([]);
    expectStoreClean(root);
    const again = runTsbuild(['build', '--root', root, '-q', '--network', 'none', '-o', `type=local,dest=${dest}`, ctx]);
    expect(again.code).toBe(0);
    expect(statSync(join(dest, 'data/f1')).size).toBe(64 << 20);
  }, 90_000);

  it('build -o type=tar,dest=- to a reader that stopped reading: SIGTERM ends it at once', async () => {
    const ctx = join(work, 'ctx-stdout');
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM big:1\n');
    const r = start(['build', '--root', root, '-q', '--network', 'none', '-o', 'type=tar,dest=-', ctx], { drain: false });
    // the tar has started to arrive: take one chunk, then read no more
    await new Promise<void>((resolve) => r.child.stdout!.once('data', () => resolve()));
    r.child.stdout!.pause();
    await new Promise((res) => setTimeout(res, 300));
    expect(r.child.exitCode).toBeNull();
    const res = await cancel(r);
    expect(res.signal).toBeNull();
    expect(res.stderr).toMatch(/build cancelled: terminated \[E_CANCELLED\]|build cancelled: interrupted \[E_CANCELLED\]/);
    expect(res.code).toBe(130);
    expect(res.ms).toBeLessThan(8_000);
    expectStoreClean(root);
  }, 90_000);

  it('the library: Store.save/load/import take a signal and reject with E_CANCELLED, its reason as cause', async () => {
    const store = await openStore({ root });
    try {
      const reason = new Error('deadline');
      const dest = join(work, 'lib', 'saved.tar');
      mkdirSync(join(work, 'lib'), { recursive: true });
      const ac = new AbortController();
      const saving = store.save(['big:1'], dest, { signal: ac.signal });
      setTimeout(() => ac.abort(reason), 30);
      const err = await saving.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(TsbuildError);
      expect((err as TsbuildError).code).toBe('E_CANCELLED');
      expect((err as TsbuildError).cause).toBe(reason);
      expect(entries(join(work, 'lib'))).toEqual([]);
      // an already aborted signal: nothing starts
      const pre = AbortSignal.abort(reason);
      const settled = await Promise.all(([store.load(archive, { signal: pre }), store.import(rootfsTar, 'x:1', { signal: pre }), store.prune({ signal: pre })] as Promise<unknown>[])
        .map((p) => p.then(() => undefined, (x: unknown) => x)));
      expect(settled.map((e) => (e as TsbuildError | undefined)?.code)).toEqual(['E_CANCELLED', 'E_CANCELLED', 'E_CANCELLED']);
    } finally {
      await store.close();
    }
    expectStoreClean(root);
  }, 60_000);
});
