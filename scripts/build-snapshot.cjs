// Build the CLI's V8 startup snapshot blob (DIR/dist/startup/tsbuild.blob) from the snapshot script
// (DIR/dist/startup/cli.cjs, made by scripts/bundle.mjs) with the node running this file, and the
// record beside it that bin/tsbuild checks before using the blob. Used by `npm run build` for
// packages/builder and, shipped in the `tsbuild` package, by its install script and first run —
// so the blob is always made by the node binary that will run it.
// CommonJS and dependency-free: it runs from an installed tarball with nothing but node.
'use strict';
const { realpathSync, rmSync, writeFileSync, renameSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const { join, resolve } = require('node:path');

/**
 * @param {string} pkgDir the package directory (holds dist/startup/cli.cjs)
 * @returns {{ ok: true } | { ok: false, unsupported: boolean, message: string }}
 */
function buildSnapshot(pkgDir) {
  const snapDir = resolve(pkgDir, 'dist/startup');
  const blob = join(snapDir, 'tsbuild.blob');
  // written under a temporary name and renamed: a concurrent first run never sees half a blob
  const tmp = `${blob}.tmp-${process.pid}`;
  rmSync(`${blob}.node`, { force: true });
  const r = spawnSync(process.execPath, ['--max-semi-space-size=4', '--snapshot-blob', tmp, '--build-snapshot', join(snapDir, 'cli.cjs')], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8', cwd: pkgDir });
  const stderr = r.stderr || '';
  if (/bad option|not supported/i.test(stderr) && !/per-process state/.test(stderr)) {
    // a Node built without user-land snapshots: bin/tsbuild runs the plain bundle instead
    rmSync(tmp, { force: true });
    return { ok: false, unsupported: true, message: `this node cannot build a startup snapshot (${stderr.trim().split('\n')[0]}); tsbuild will start without one` };
  }
  const warnings = stderr.split('\n').filter((l) => l && !/ExperimentalWarning|--trace-warnings/.test(l));
  if (r.status !== 0 || warnings.some((l) => /not yet fully verified|snapshot/.test(l))) {
    rmSync(tmp, { force: true });
    return { ok: false, unsupported: false, message: `${stderr}\nsnapshot build failed (status ${r.status})` };
  }
  renameSync(tmp, blob);
  // bin/tsbuild uses the blob only with the node binary that made it and only in this package
  // directory (module paths are fixed in the blob). The record names both; its mtime is the node
  // binary's (touch -r, to the nanosecond), so the launcher can tell a replaced node at the same path
  // with its shell's own test -nt/-ot — no process spawned on the way to a build.
  const node = realpathSync(process.execPath);
  const record = `${blob}.node`;
  writeFileSync(`${record}.tmp-${process.pid}`, `${node} ${realpathSync(pkgDir)}\n`);
  const touched = spawnSync('touch', ['-r', node, `${record}.tmp-${process.pid}`]);
  if (touched.status !== 0) {
    rmSync(`${record}.tmp-${process.pid}`, { force: true }); // no record: the launcher runs the plain bundle
    return { ok: false, unsupported: false, message: 'touch -r failed: the snapshot record was not written' };
  }
  renameSync(`${record}.tmp-${process.pid}`, record);
  return { ok: true };
}

module.exports = { buildSnapshot };
