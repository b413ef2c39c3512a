#!/usr/bin/env node
// A build pipeline on tsbuild's library API: three images built at once on one store and one base
// image, progress rendered per image, one build cancelled by a deadline, then the results and the
// store read back. Run it where the `tsbuild` package is installed:
//
//   npm install ./tsbuild-0.1.0.tgz
//   npx tsbuild import --root /tmp/store busybox-rootfs.tar busybox     # any base image named busybox
//   node pipeline.mjs --root /tmp/store [--deadline 2000]
//
// The last line it prints is a JSON summary (the test in test/package reads it).
import { build, openStore, TsbuildError } from 'tsbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { root: { type: 'string' }, deadline: { type: 'string', default: '2000' } } });
const here = dirname(fileURLToPath(import.meta.url));

// One store for every build: they share the base image's unpacked layers and the build cache.
const store = await openStore({ root: values.root });

/** progress of one build, prefixed with its name, like `docker buildx bake` */
function renderer(name) {
  return (e) => {
    switch (e.type) {
      case 'step-start': console.log(`[${name}] #${e.stepId} ${e.name}`); break;
      case 'step-log': for (const l of e.data.split('\n').filter(Boolean)) console.log(`[${name}] #${e.stepId} ${l}`); break;
      case 'step-done': console.log(`[${name}] #${e.stepId} ${e.cached ? 'CACHED' : `DONE ${(e.durationMs / 1000).toFixed(1)}s${e.missReason ? ` (${e.missReason})` : ''}`}`); break;
      case 'step-error': console.log(`[${name}] #${e.stepId} ERROR ${e.error}`); break;
      case 'warning': console.log(`[${name}] WARNING ${e.message}`); break;
      case 'lint': console.log(`[${name}] ${e.rule}: ${e.message}`); break;
      default: break;
    }
  };
}

const jobs = {
  web: { context: join(here, 'pipeline/web'), tags: ['example/web:1'] },
  worker: { context: join(here, 'pipeline/worker'), tags: ['example/worker:1'], buildArgs: { JOBS: '8' } },
  // this one would run two minutes: the deadline cancels it
  slow: { context: join(here, 'pipeline/slow'), tags: ['example/slow:1'], signal: AbortSignal.timeout(Number(values.deadline)) },
};

const settled = await Promise.allSettled(Object.entries(jobs).map(([name, job]) =>
  build({ ...job, store, network: 'none', onEvent: renderer(name) })));

const summary = { images: {}, store: [] };
for (const [i, name] of Object.keys(jobs).entries()) {
  const r = settled[i];
  if (r.status === 'fulfilled') {
    summary.images[name] = { ok: true, imageDigest: r.value.imageDigest, steps: r.value.steps.length, cached: r.value.steps.filter((s) => s.cached).length };
    console.log(`${name}: ${r.value.imageDigest} (${r.value.steps.length} steps)`);
  } else if (r.reason instanceof TsbuildError) {
    // a typed error: branch on the code; for E_CANCELLED the cause is the signal's reason
    const e = r.reason;
    summary.images[name] = { ok: false, code: e.code, cause: e.cause instanceof Error ? e.cause.name : String(e.cause), step: e.data?.step };
    console.log(`${name}: ${e.code} ${e.message}${e.location ? ` at ${e.location.file}:${e.location.line}` : ''}`);
  } else {
    throw r.reason;
  }
}

// the store as `tsbuild images` / `tsbuild inspect` show it
for (const img of await store.list()) if (img.name.startsWith('example/')) summary.store.push(img.name);
const web = await store.inspect('example/web:1');
console.log(`example/web:1 runs ${JSON.stringify(web.Config.Cmd)}, ${web.Layers.length} layers, ${web.Size} bytes`);
await store.close();
console.log(JSON.stringify(summary));
