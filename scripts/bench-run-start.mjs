#!/usr/bin/env node
// RUN start overhead of the sandbox (issue 16): median wall time of `RUN true` on the built
// executors, per network mode and security mode, on the test busybox rootfs over overlayfs.
//   node scripts/bench-run-start.mjs [runs=40]
// Run `npm run build` first; needs root, overlayfs, slirp4netns, and the busybox test rootfs
// (created by the tests in $TSBUILD_TEST_CACHE, default /var/tmp/tsbuild-test).
import { mkdtempSync, rmSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { OverlaySnapshotter, UnshareExecutor, RuncExecutor } from '../packages/builder/dist/index.js';

const runs = Number(process.argv[2] ?? 40);
const cache = process.env.TSBUILD_TEST_CACHE ?? '/var/tmp/tsbuild-test';
const rootfs = readdirSync(cache).map((d) => join(cache, d)).find((d) => d.includes('rootfs') && existsSync(join(d, 'bin')));
if (!rootfs) throw new Error(`no busybox rootfs under ${cache}: run a test first`);
const work = mkdtempSync('/var/tmp/tsbuild-bench-run-');
const snap = new OverlaySnapshotter();
const m = await snap.prepare([rootfs], { scratchDir: join(work, 's') });
const base = { rootfs: m.root, args: ['/bin/true'], env: [], cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] }, hostname: 'b', mounts: [] };

async function time(exec, extra) {
  await exec.run({ ...base, ...extra }); // warm (pool, filter compile, tool lookup)
  const t = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = await exec.run({ ...base, ...extra });
    if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}`);
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)];
}

const rows = [];
for (const [name, make] of [['unshare', () => new UnshareExecutor({ tmpDir: work })], ['runc', () => new RuncExecutor({ tmpDir: work })]]) {
  if (name === 'runc' && !RuncExecutor.available('runc')) continue;
  const exec = make();
  const t0 = process.hrtime.bigint();
  await exec.run({ ...base, network: 'default' });
  const first = Number(process.hrtime.bigint() - t0) / 1e6;
  rows.push([name, 'default network, first step (pool creates netns + slirp4netns)', first]);
  rows.push([name, 'network none', await time(exec, { network: 'none' })]);
  rows.push([name, 'network none, --security=insecure (no seccomp)', await time(exec, { network: 'none', security: 'insecure' })]);
  rows.push([name, 'default network (pooled netns)', await time(exec, { network: 'default' })]);
  rows.push([name, 'host network', await time(exec, { network: 'host' })]);
  exec.dispose();
}
await m.release();
rmSync(work, { recursive: true, force: true });
for (const [e, what, ms] of rows) console.log(`${e.padEnd(8)} ${what.padEnd(66)} ${ms.toFixed(1)} ms`);
