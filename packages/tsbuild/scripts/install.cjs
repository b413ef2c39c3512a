// Install script of the `tsbuild` package (npm runs it after unpacking; bin/tsbuild runs it on the
// first start when it did not run or the node binary changed). For the node binary running it:
//   dist/native/sys.node      the syscall addon, compiled from native/sys.c by @tsbuild/sys's own
//                             build-native.cjs (skipped without cc/headers: tsbuild then uses its
//                             perl fallback server)
//   dist/startup/tsbuild.blob the CLI's V8 startup snapshot (skipped where node cannot make one:
//                             bin/tsbuild then runs the plain bundle)
// Neither is in the tarball: both belong to one node binary and machine. Never fails the install.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, realpathSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { buildNative } = require('./build-native.cjs');
const { buildSnapshot } = require('./build-snapshot.cjs');

const pkg = resolve(__dirname, '..');
const firstRun = process.argv.includes('--first-run');
const note = (m) => process.stderr.write(`tsbuild: ${m}\n`);

// the attempt is recorded first, so a failing build is not retried on every start
const tried = join(pkg, 'dist/startup/tsbuild.blob.tried');
try {
  writeFileSync(tried, `${realpathSync(process.execPath)} ${realpathSync(pkg)}\n`);
  spawnSync('touch', ['-r', realpathSync(process.execPath), tried]);
} catch {
  // read-only package directory: nothing can be built here
}

if (firstRun) note(`first start with ${process.execPath}: building the syscall addon and the startup snapshot for it`);
if (!existsSync(join(pkg, 'dist/native/sys.node')) || !firstRun) {
  const n = buildNative(join(pkg, 'native/sys.c'), join(pkg, 'dist/native'));
  if (!n.ok) note(n.message);
}
if (process.env.TSBUILD_NO_SNAPSHOT_BUILD) {
  note('TSBUILD_NO_SNAPSHOT_BUILD is set: no startup snapshot (tsbuild starts from the plain bundle)');
} else {
  const s = buildSnapshot(pkg);
  if (!s.ok) note(s.message.trim());
}
