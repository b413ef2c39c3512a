// `npm pack` / `npm publish` of the `tsbuild` package: one package made from the workspace's
// sys, errors, parser, layerstore and builder, with every dependency bundled in, so that
// `npm install ./tsbuild-<version>.tgz` is all a project needs (no @tsbuild/* packages to find, no
// registry access). What the tarball holds:
//   dist/lib/{index,engine}.{js,cjs}   the library (ESM + CommonJS); `tsbuild` and `tsbuild/engine`
//   dist/types/<pkg>/**.d.ts           the workspaces' declarations, @tsbuild/* imports made relative
//   dist/bundle/, dist/startup/cli.cjs the CLI (ESM bundle) and its startup-snapshot script
//   bin/tsbuild, bin/tsbuild.js        the launcher and the plain entry (same files as packages/builder)
//   native/sys.c, scripts/*.cjs        compiled into dist/native/sys.node and the snapshot blob at
//                                      install (scripts/install.cjs) for the node binary installing it
// Nothing machine-specific (sys.node, the blob) is packed.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleCli, bundleSnapshotScript } from '../../../scripts/bundle.mjs';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(here, '../..');
const builderDist = join(repo, 'packages/builder/dist');
process.chdir(here);

// the workspaces' tsc output must be current (the builder and what it references; not the tests)
execFileSync(join(repo, 'node_modules/.bin/tsc'), ['-b', 'packages/builder'], { cwd: repo, stdio: 'inherit' });

for (const d of ['dist', 'bin', 'native']) rmSync(d, { recursive: true, force: true });

await bundleCli(builderDist, 'dist/bundle');
await bundleSnapshotScript(builderDist, 'dist/startup');

// The library. Modules that find files next to themselves (sys's addon/load: ../../dist/native/sys.node;
// the bench: ../../bin/tsbuild) sit two levels down in the workspace (dist/<dir>/x.js), and so do
// these bundles (dist/lib/).
// no source maps: they would point at workspace sources that are not in the package
const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' };
const entryPoints = { index: join(builderDist, 'index.js'), engine: join(builderDist, 'engine.js') };
const esm = await build({
  ...common,
  metafile: true,
  entryPoints,
  outdir: 'dist/lib',
  format: 'esm',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // CommonJS dependencies call require(); give the ESM bundle one
  banner: { js: "import { createRequire as __tsbCreateRequire } from 'node:module'; const require = __tsbCreateRequire(import.meta.url);" },
});
await build({
  ...common,
  entryPoints,
  outdir: 'dist/lib',
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  define: { 'import.meta.url': '__tsbImportMetaUrl' },
  banner: { js: "var __tsbImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});

// Declarations: each workspace's dist/**/*.d.ts under dist/types/<name>/, `@tsbuild/<name>` made relative.
const PKGS = ['sys', 'errors', 'parser', 'layerstore', 'builder'];
function walk(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
for (const name of PKGS) {
  const from = join(repo, 'packages', name, 'dist');
  for (const file of walk(from).filter((f) => f.endsWith('.d.ts') && !f.includes(`${join(from, 'bundle')}/`) && !f.includes(`${join(from, 'startup')}/`))) {
    const to = join('dist/types', name, relative(from, file));
    mkdirSync(dirname(to), { recursive: true });
    const text = readFileSync(file, 'utf8')
      // a subpath (`@tsbuild/layerstore/tar`) is that folder's index, as the workspace's exports map it
      .replace(/(from |import\()'@tsbuild\/(sys|errors|parser|layerstore|builder)(\/[a-z-]+)?'/g, (_, pre, pkg, sub) => {
        let rel = relative(dirname(to), join('dist/types', pkg, sub ?? '', 'index.js'));
        if (!rel.startsWith('.')) rel = `./${rel}`;
        return `${pre}'${rel}'`;
      })
      .replace(/^\/\/# sourceMappingURL=.*$/m, '');
    writeFileSync(to, text);
  }
}
const leftover = walk('dist/types').filter((f) => /['"]@tsbuild\//.test(readFileSync(f, 'utf8')));
if (leftover.length) throw new Error(`declarations still import @tsbuild/*: ${leftover.join(', ')}`);

// the launcher and the plain entry are the builder's own files; the addon's source; the install-time builders
mkdirSync('bin');
for (const f of ['tsbuild', 'tsbuild.js']) {
  copyFileSync(join(repo, 'packages/builder/bin', f), join('bin', f));
  chmodSync(join('bin', f), 0o755);
}
mkdirSync('native');
// the addon's source and its one build script are @tsbuild/sys's own
copyFileSync(join(repo, 'packages/sys/native/sys.c'), 'native/sys.c');
copyFileSync(join(repo, 'packages/sys/scripts/build-native.cjs'), 'scripts/build-native.cjs');
copyFileSync(join(repo, 'scripts/build-snapshot.cjs'), 'scripts/build-snapshot.cjs');

// The bundled dependencies' licenses (the CLI bundle holds the same set), one notices file.
const deps = new Set(Object.keys(esm.metafile.inputs).flatMap((f) => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f);
  return m ? [m[1]] : [];
}));
let notices = 'tsbuild bundles these packages (in dist/lib and dist/bundle); their licenses follow.\n';
for (const d of [...deps].sort()) {
  const dir = join(repo, 'node_modules', d);
  const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const lic = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
  notices += `\n${'='.repeat(72)}\n${d}@${meta.version} (${meta.license ?? 'see below'})\n\n${lic ? readFileSync(join(dir, lic), 'utf8').trim() : '(no license file in the package)'}\n`;
}
writeFileSync('THIRD-PARTY-NOTICES.txt', notices);

// the package's README is the library guide; errors.md (the codes) sits beside it, as in docs/
copyFileSync(join(repo, 'docs/library.md'), 'README.md');
copyFileSync(join(repo, 'docs/errors.md'), 'errors.md');
