// Build the builder's small syscall addon (packages/builder/native/sys.c -> dist/native/sys.node)
// with the system C compiler against the N-API headers of the node running this script. Optional:
// without a compiler or headers (or off Linux) it says so and tsbuild uses its perl syscall helper.
// N-API is ABI-stable, so the addon keeps working across Node upgrades; it is rebuilt by every
// `npm run build`. TSBUILD_NO_NATIVE_BUILD=1 skips it.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';

const src = 'packages/builder/native/sys.c';
const outDir = 'packages/builder/dist/native';
const out = join(outDir, 'sys.node');
rmSync(out, { force: true });

function skip(why) {
  process.stderr.write(`note: the syscall addon is not built (${why}); tsbuild uses its perl helper for mount and xattrs\n`);
  process.exit(0);
}

if (process.env.TSBUILD_NO_NATIVE_BUILD) skip('TSBUILD_NO_NATIVE_BUILD is set');
if (process.platform !== 'linux') skip(`${process.platform} is not Linux`);
// node_api.h: beside this node (prefix/include/node: distro and official tarball layouts), or npm's nodedir
const candidates = [
  join(dirname(dirname(process.execPath)), 'include', 'node'),
  process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
  '/usr/include/node',
  '/usr/local/include/node',
].filter(Boolean);
const include = candidates.find((d) => existsSync(join(d, 'node_api.h')));
if (!include) skip(`no node_api.h in ${candidates.join(', ')}`);
const cc = process.env.CC || 'cc';
mkdirSync(outDir, { recursive: true });
const tmp = `${out}.tmp-${process.pid}`;
const r = spawnSync(cc, ['-O2', '-fPIC', '-shared', '-Wall', '-Wextra', '-Werror', `-I${include}`, '-o', tmp, src, '-lpthread'], { encoding: 'utf8' });
if (r.error || r.status !== 0) {
  rmSync(tmp, { force: true });
  skip(`${cc} failed: ${(r.error?.message ?? r.stderr ?? '').trim().split('\n').slice(0, 3).join(' ')}`);
}
renameSync(tmp, out);
