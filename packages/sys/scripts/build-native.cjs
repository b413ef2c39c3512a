// Build @tsbuild/sys's syscall addon (native/sys.c -> dist/native/sys.node) with the system C
// compiler against the N-API headers of the node running this file. Optional: without a compiler or
// headers (or off Linux) it says why and tsbuild uses its perl fallback server. N-API is ABI-stable,
// so the addon keeps working across Node upgrades. TSBUILD_NO_NATIVE_BUILD=1 skips it.
// The one build of the addon: run as a script it builds this package's own (its `install` and
// `build:native` scripts; the workspace's `npm run build` runs the latter); shipped in the `tsbuild`
// package, that package's install script calls buildNative() for its copy of sys.c.
// CommonJS and dependency-free: it runs from an installed tarball with nothing but node.
'use strict';
const { existsSync, mkdirSync, renameSync, rmSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { spawnSync } = require('node:child_process');

/**
 * @param {string} src path of sys.c
 * @param {string} outDir where sys.node goes
 * @returns {{ ok: true, file: string } | { ok: false, message: string }}
 */
function buildNative(src, outDir) {
  const out = join(outDir, 'sys.node');
  rmSync(out, { force: true });
  const skip = (why) => ({ ok: false, message: `the syscall addon is not built (${why}); tsbuild uses its perl fallback server for mount, xattrs and device nodes` });
  if (process.env.TSBUILD_NO_NATIVE_BUILD) return skip('TSBUILD_NO_NATIVE_BUILD is set');
  if (process.platform !== 'linux') return skip(`${process.platform} is not Linux`);
  // node_api.h: beside this node (prefix/include/node: distro and official tarball layouts), or npm's nodedir
  const candidates = [
    join(dirname(dirname(process.execPath)), 'include', 'node'),
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  const include = candidates.find((d) => existsSync(join(d, 'node_api.h')));
  if (!include) return skip(`no node_api.h in ${candidates.join(', ')}`);
  const cc = process.env.CC || 'cc';
  mkdirSync(outDir, { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  const r = spawnSync(cc, ['-O2', '-fPIC', '-shared', '-Wall', '-Wextra', '-Werror', `-I${include}`, '-o', tmp, src, '-lpthread'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    rmSync(tmp, { force: true });
    return skip(`${cc} failed: ${((r.error && r.error.message) || r.stderr || '').trim().split('\n').slice(0, 3).join(' ')}`);
  }
  renameSync(tmp, out);
  return { ok: true, file: out };
}

module.exports = { buildNative };

if (require.main === module) {
  const pkg = join(__dirname, '..');
  const r = buildNative(join(pkg, 'native', 'sys.c'), join(pkg, 'dist', 'native'));
  if (!r.ok) process.stderr.write(`note: ${r.message}\n`);
}
