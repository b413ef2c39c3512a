#!/usr/bin/env node
/**
 * Benchmark (not a test): a two-platform build (linux/amd64,linux/arm64: the arm64 RUN steps
 * under QEMU) against the host platform only, cold and warm, with the installed bin.
 *   node scripts/bench-multiplatform.mjs [RUNS]
 * Needs the foreign busybox tar the tests make (test/helpers/foreign-busybox.ts, in
 * $TSBUILD_TEST_CACHE, default /var/tmp/tsbuild-test) and a registered qemu-aarch64 handler
 * (`tsbuild setup-emulation qemu-aarch64` as root; remove it after with
 * `echo -1 > /proc/sys/fs/binfmt_misc/qemu-aarch64`).
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../packages/layerstore/dist/index.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(repo, 'node_modules/.bin/tsbuild');
const cache = process.env.TSBUILD_TEST_CACHE ?? '/var/tmp/tsbuild-test';
const tars = { amd64: join(cache, 'busybox-plain.tar'), arm64: join(cache, 'busybox-rootfs-arm64.tar') };
for (const t of Object.values(tars)) if (!existsSync(t)) throw new Error(`${t} missing: run test/build/multiplatform.test.ts once to make it`);
if (!existsSync('/proc/sys/fs/binfmt_misc/qemu-aarch64')) throw new Error('no qemu-aarch64 handler: run `tsbuild setup-emulation qemu-aarch64` as root');
const runs = Number(process.argv[2] ?? 3);

const DOCKERFILE = `FROM --platform=$BUILDPLATFORM busybox-mp AS build
RUN i=0; while [ $i -lt 3000 ]; do i=$((i+1)); echo $i; done > /numbers
FROM busybox-mp
COPY --from=build /numbers /numbers
RUN sort -n /numbers | tail -1 > /last && uname -m > /arch
`;

async function store(root) {
  const s = await openStore(root);
  const images = [];
  for (const [arch, tar] of Object.entries(tars)) {
    const layer = await s.writeLayer(createReadStream(tar));
    const config = { architecture: arch, os: 'linux', config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] }, rootfs: { type: 'layers', diff_ids: [layer.diffID] } };
    images.push({ manifestDigest: (await s.putImage(config, [layer])).manifestDigest, platform: { os: 'linux', architecture: arch } });
  }
  await s.tag('busybox-mp', (await s.putIndex(images)).digest);
  await s.close();
}

const ms = (f) => {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e6;
};
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

const work = mkdtempSync('/var/tmp/tsbuild-bench-mp-');
const ctx = join(work, 'ctx');
mkdirSync(ctx);
writeFileSync(join(ctx, 'Dockerfile'), DOCKERFILE);
const results = {};
try {
  for (const [name, platform] of [['host only', 'linux/amd64'], ['two platforms', 'linux/amd64,linux/arm64']]) {
    const cold = [];
    const warm = [];
    for (let i = 0; i < runs; i++) {
      const root = join(work, `root-${name.replace(' ', '-')}-${i}`);
      await store(root);
      const build = () => execFileSync(bin, ['build', '--root', root, '--platform', platform, '-t', 'bench:mp', '--progress=quiet', ctx], { stdio: 'pipe' });
      cold.push(ms(build));
      warm.push(ms(build));
      rmSync(root, { recursive: true, force: true });
    }
    results[name] = { coldMs: Math.round(median(cold)), warmMs: Math.round(median(warm)), cold: cold.map(Math.round), warm: warm.map(Math.round) };
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(JSON.stringify(results, null, 2));
const h = results['host only'];
const t = results['two platforms'];
console.log(`cold: two platforms ${t.coldMs} ms vs host only ${h.coldMs} ms (+${t.coldMs - h.coldMs} ms: the arm64 RUN under QEMU, its layers, the index)`);
console.log(`warm: two platforms ${t.warmMs} ms vs host only ${h.warmMs} ms`);
