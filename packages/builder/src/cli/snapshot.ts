/**
 * Entry of the CLI's V8 startup snapshot (scripts/bundle.mjs bundles this file to one CommonJS
 * script and runs `node --build-snapshot` on it; bin/tsbuild starts Node from the blob).
 *
 * Why: a warm `tsbuild build` is mostly start-up, and most of that is Node compiling and linking
 * the CLI's modules and the built-ins they pull in, every run (docs/performance.md). In a startup snapshot that
 * work was done once, at build time: the heap (modules evaluated, built-ins loaded) is
 * deserialized instead, so the process starts at `main()`.
 *
 * The rule this imposes on every module: no module-scope code may read process state (env, pid,
 * uid, cwd, time, randomness, TTY-ness) or start I/O — it would be frozen into the snapshot.
 * The snapshot build checks this (see scripts/snapshot-guard.cjs) and fails when it is broken.
 */
import { startupSnapshot } from 'node:v8';
import { exitWhenFlushed } from './exit.js';
import { main } from './main.js';

/** Evaluate every module a command can need, so none is compiled at run time. */
async function preload(): Promise<void> {
  await Promise.all([
    import('./commands/build.js'),
    import('./render/index.js'),
    import('../build.js'),
    import('../exec/detect.js'),
    import('../snapshot/detect.js'),
    import('../diff/diff-layer.js'),
    import('../users/index.js'),
    import('../rootless/enter.js'),
    import('../rootless/report.js'),
    import('../cache-io/importCache.js'),
    import('../cache-io/exportCache.js'),
    import('./commands/import.js'),
    import('./commands/save.js'),
    import('./commands/load.js'),
    import('./commands/images.js'),
    import('./commands/inspect.js'),
    import('./commands/rmi.js'),
    import('./commands/prune.js'),
    import('./commands/fsck.js'),
    import('./commands/tag.js'),
    import('./commands/check.js'),
  ]);
}

if (startupSnapshot?.isBuildingSnapshot()) {
  preload().then(async () => {
    (await import('./warmup.js')).warmUp();
    (globalThis as { __tsbuildSnapshotGuardEnd?: () => void }).__tsbuildSnapshotGuardEnd?.();
  }, (err: unknown) => {
    process.stderr.write(`tsbuild: snapshot preload failed: ${String((err as Error)?.stack ?? err)}\n`);
    process.exitCode = 1;
  });
  startupSnapshot.setDeserializeMainFunction(() => {
    // argv is [node, ...user args] when Node starts from a snapshot (no script path).
    main(process.argv.slice(1), { snapshot: true }).then(
      (code) => exitWhenFlushed(code),
      (err: unknown) => { process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`); process.exitCode = 1; },
    );
  });
}
