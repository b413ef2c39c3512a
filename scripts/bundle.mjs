// Bundle the CLI into a few ESM files (entry + lazily loaded chunks) so start-up does not pay
// Node's per-module resolution and loading cost (~200 ms for ~150 modules on these machines,
// more than the whole warm build). tsc still type-checks and emits dist/ for the library API.
import { build } from 'esbuild';
import { readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const outdir = 'packages/builder/dist/bundle';
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { cli: 'packages/builder/dist/cli/main.js' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // CJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __tsbCreateRequire } from 'node:module'; const require = __tsbCreateRequire(import.meta.url);" },
});

// The same CLI as one CommonJS script for a V8 startup snapshot (see src/cli/snapshot.ts), then
// the snapshot itself. Built-ins that Node does not support in snapshots (child_process …) are
// reached through lazy shims: loaded on first call at run time, never during the snapshot build.
const snapDir = 'packages/builder/dist/startup';
rmSync(snapDir, { recursive: true, force: true });
const LAZY = ['child_process', 'dgram', 'readline', 'worker_threads', 'vm', 'perf_hooks', 'http', 'https', 'http2', 'tls', 'tty', 'cluster', 'inspector', 'repl'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^(node:)?(${LAZY.join('|')})$`);
    b.onResolve({ filter }, (args) => (args.namespace === 'lazy-builtin'
      ? { path: args.path, external: true } // the shim's own require() of the real module
      : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async (args) => {
      const real = await import(`node:${args.path}`);
      const names = Object.keys(real).filter((k) => k !== 'default' && /^[A-Za-z_$][\w$]*$/.test(k));
      // A class reached through its shim must build an instance of the REAL class: `new Worker()`
      // through a shim once made an object whose prototype was the shim's own (no .on, no
      // .postMessage), so Node's constructor threw half-way and the extraction that wanted worker
      // threads failed only from the snapshot. So `new Shim()` constructs with the real class as
      // new.target, a subclass of a shim inherits the real prototype (linked on first load), and
      // `instanceof Shim` asks the real class.
      const ctors = names.filter((k) => typeof real[k] === 'function' && real[k].prototype);
      const lines = [
        `let m; const load = () => { if (!m) { m = require(${JSON.stringify(`node:${args.path}`)}); for (const [k, s] of shims) Object.setPrototypeOf(s.prototype, m[k].prototype); } return m; };`,
        `const shims = [];`,
      ];
      for (const k of names) {
        if (typeof real[k] === 'function') {
          lines.push(`export function ${k}(...a) { const f = load().${k}; return new.target ? Reflect.construct(f, a, new.target === ${k} ? f : new.target) : f.apply(this, a); }`);
          if (ctors.includes(k)) {
            lines.push(`shims.push([${JSON.stringify(k)}, ${k}]);`);
            lines.push(`Object.defineProperty(${k}, Symbol.hasInstance, { value: (o) => o instanceof load().${k} });`);
          }
          // util.promisify(execFile) must keep execFile's own promisified form ({ stdout, stderr })
          if (real[k][Symbol.for('nodejs.util.promisify.custom')]) {
            lines.push(`${k}[Symbol.for('nodejs.util.promisify.custom')] = (...a) => load().${k}[Symbol.for('nodejs.util.promisify.custom')](...a);`);
          }
        }
      }
      lines.push(`export default new Proxy({}, { get: (_, k) => load()[k] });`);
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};
await build({
  entryPoints: { cli: 'packages/builder/dist/cli/snapshot.js' },
  outdir: snapDir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  plugins: [lazyBuiltins],
  minifyWhitespace: true,
  minifySyntax: true,
  // modules that locate files next to themselves (the bench finds bin/) keep working: this file
  // sits at the same depth (dist/startup/) as the modules it was bundled from (dist/<dir>/)
  define: { 'import.meta.url': '__tsbImportMetaUrl' },
  banner: { js: `${readFileSync('scripts/snapshot-guard.cjs', 'utf8')}\nvar __tsbImportMetaUrl = require('node:url').pathToFileURL(__filename).href;` },
});
const blob = `${snapDir}/tsbuild.blob`;
const r = spawnSync(process.execPath, ['--max-semi-space-size=4', '--snapshot-blob', blob, '--build-snapshot', `${snapDir}/cli.cjs`], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
if (/bad option|not supported/i.test(r.stderr ?? '') && !/per-process state/.test(r.stderr ?? '')) {
  // a Node built without user-land snapshots: bin/tsbuild runs the plain bundle instead
  rmSync(blob, { force: true });
  process.stderr.write(`note: this node cannot build a startup snapshot (${(r.stderr ?? '').trim().split('\n')[0]}); tsbuild will start without one\n`);
  process.exit(0);
}
const warnings = (r.stderr ?? '').split('\n').filter((l) => l && !/ExperimentalWarning|--trace-warnings/.test(l));
if (r.status !== 0 || warnings.some((l) => /not yet fully verified|snapshot/.test(l))) {
  rmSync(blob, { force: true });
  process.stderr.write(`${r.stderr}\nsnapshot build failed (status ${r.status})\n`);
  process.exit(1);
}
// bin/tsbuild uses the blob only with the node binary that made it and only in this package
// directory (module paths are fixed in the blob). The record names both; its mtime is the node
// binary's (touch -r, to the nanosecond), so the launcher can tell a replaced node at the same path
// with its shell's own test -nt/-ot — no process spawned on the way to a build.
const node = realpathSync(process.execPath);
const pkg = realpathSync('packages/builder');
writeFileSync(`${blob}.node`, `${node} ${pkg}\n`);
const touched = spawnSync('touch', ['-r', node, `${blob}.node`]);
if (touched.status !== 0) rmSync(`${blob}.node`, { force: true }); // no record: the launcher runs the plain bundle
