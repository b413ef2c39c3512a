/**
 * Two `tsbuild build` processes on one store at the same time: both succeed with the same image,
 * and a related Dockerfile started while the first build still runs reuses the steps it finished.
 * Also --cache-to/--cache-from through the CLI across two store roots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TSBUILD_BIN } from '../helpers/cli.js';
import { importBusybox, STORE_TMP, tempStore, type TempStore } from '../helpers/store.js';
import { makeContext, removeDir } from '../build/helpers.js';

const cleanups: (() => void)[] = [];
afterAll(() => { for (const c of cleanups.reverse()) c(); });
let t: TempStore;
beforeAll(async () => {
  t = await tempStore('conc-');
  cleanups.push(t.cleanup);
  await importBusybox(t.store);
});
function tmp(prefix: string): string {
  const d = mkdtempSync(join(STORE_TMP, prefix));
  cleanups.push(() => removeDir(d));
  return d;
}

interface Proc { code: Promise<number | null>; stderr: () => string; waitFor(re: RegExp): Promise<void> }
function tsbuild(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(TSBUILD_BIN, args, { env: { ...process.env, SOURCE_DATE_EPOCH: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    for (const w of [...waiters]) if (w.re.test(err)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
  });
  child.stdout.resume();
  const code = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return {
    code,
    stderr: () => err,
    waitFor: (re) => (re.test(err) ? Promise.resolve() : new Promise((resolve, reject) => {
      waiters.push({ re, resolve });
      void code.then(() => setTimeout(() => reject(new Error(`process ended before ${re}:\n${err}`)), 50));
    })),
  };
}
const meta = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { 'containerimage.digest': string; steps?: { name: string; cached: boolean }[] };

describe('concurrent tsbuild processes on one store', () => {
  it('the same Dockerfile built twice at once: both succeed with the same image; a third run is fully cached', async () => {
    const ctx = makeContext({ 'a.txt': `conc ${Date.now()}`, Dockerfile: 'FROM busybox\nCOPY a.txt /a.txt\nRUN sleep 1 && cat /a.txt > /b.txt\nRUN echo done > /done\n' });
    cleanups.push(() => removeDir(ctx));
    const out = tmp('conc-out-');
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const args = (n: number) => ['build', '--root', t.root, '--network', 'none', '--rewrite-timestamp', '--progress', 'plain', '--iidfile', join(out, `iid${n}`), '--metadata-file', join(out, `m${n}.json`), ctx];
    const [p1, p2] = [tsbuild(args(1), env), tsbuild(args(2), env)];
    const codes = await Promise.all([p1.code, p2.code]);
    expect(codes, p1.stderr() + p2.stderr()).toEqual([0, 0]);
    const iid = readFileSync(join(out, 'iid1'), 'utf8');
    expect(readFileSync(join(out, 'iid2'), 'utf8')).toBe(iid);
    const p3 = tsbuild(args(3), env);
    expect(await p3.code).toBe(0);
    expect(readFileSync(join(out, 'iid3'), 'utf8')).toBe(iid);
    expect(meta(join(out, 'm3.json')).steps?.filter((s) => !/\] FROM /.test(s.name)).every((s) => s.cached)).toBe(true);
    expect(await t.store.fsck()).toEqual([]);
  });

  it('a related Dockerfile started while the first still runs reuses the steps the first finished', async () => {
    const ctx = makeContext({ 'a.txt': `rel ${Date.now()}` });
    cleanups.push(() => removeDir(ctx));
    const prefix = 'FROM busybox\nCOPY a.txt /a.txt\nRUN echo shared > /shared\n';
    writeFileSync(join(ctx, 'X.Dockerfile'), `${prefix}RUN sleep 2 && echo x > /x\n`);
    writeFileSync(join(ctx, 'Y.Dockerfile'), `${prefix}RUN echo y > /y\n`);
    const out = tmp('rel-out-');
    const x = tsbuild(['build', '--root', t.root, '--network', 'none', '--progress', 'plain', '-f', join(ctx, 'X.Dockerfile'), '--metadata-file', join(out, 'x.json'), ctx]);
    // wait until X is inside its sleeping step: the shared steps are finished and recorded
    await x.waitFor(/RUN sleep 2/);
    const y = tsbuild(['build', '--root', t.root, '--network', 'none', '--progress', 'plain', '-f', join(ctx, 'Y.Dockerfile'), '--metadata-file', join(out, 'y.json'), ctx]);
    const yCode = await y.code;
    expect(yCode, y.stderr()).toBe(0);
    // Y finished while X was still sleeping
    let xDone = false;
    void x.code.then(() => { xDone = true; });
    await new Promise((r) => setImmediate(r));
    expect(xDone).toBe(false);
    expect(await x.code, x.stderr()).toBe(0);
    const ySteps = meta(join(out, 'y.json')).steps!.filter((s) => !/\] FROM /.test(s.name)).map((s) => s.cached);
    expect(ySteps).toEqual([true, true, false]);
  });
});

describe('--cache-to / --cache-from through the CLI', () => {
  it('exports from one root and a fresh root seeded with --cache-from runs nothing', async () => {
    const ctx = makeContext({ 'a.txt': `cli-cache ${Date.now()}`, Dockerfile: 'FROM busybox AS dep\nRUN echo dep > /dep\nFROM busybox\nCOPY a.txt /a.txt\nRUN cat /a.txt > /b\nCOPY --from=dep /dep /dep\n' });
    cleanups.push(() => removeDir(ctx));
    const cache = tmp('cli-cache-');
    const out = tmp('cli-cache-out-');
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const a = tsbuild(['build', '--root', t.root, '--network', 'none', '--rewrite-timestamp', '--progress', 'plain', '--cache-to', `type=local,dest=${cache},mode=max`, '--iidfile', join(out, 'a'), ctx], env);
    expect(await a.code, a.stderr()).toBe(0);
    const b = await tempStore('conc-b-');
    cleanups.push(b.cleanup);
    await importBusybox(b.store);
    const p = tsbuild(['build', '--root', b.root, '--network', 'none', '--rewrite-timestamp', '--progress', 'plain', '--cache-from', `type=local,src=${cache}`, '--iidfile', join(out, 'b'), '--metadata-file', join(out, 'b.json'), ctx], env);
    expect(await p.code, p.stderr()).toBe(0);
    expect(readFileSync(join(out, 'b'), 'utf8')).toBe(readFileSync(join(out, 'a'), 'utf8'));
    expect(meta(join(out, 'b.json')).steps!.filter((s) => !/\] FROM /.test(s.name)).every((s) => s.cached)).toBe(true);
    expect(p.stderr()).not.toMatch(/#\d+ \d+\.\d{3} /);
    // (type=registry is supported now: test/registry/build.test.ts; without its ref it is a usage error)
    const bad = tsbuild(['build', '--root', b.root, '--cache-to', 'type=registry', ctx]);
    expect(await bad.code).not.toBe(0);
    expect(bad.stderr()).toMatch(/ref=REFERENCE is required for type=registry/);
  });
});
