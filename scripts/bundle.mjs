// Bundle the CLI into one ESM file so start-up does not pay
// Node's per-module resolution and loading cost (which, over ~150 modules, exceeds a whole warm
// build: docs/performance.md). tsc still type-checks and emits dist/ for the library API.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Built-ins reached through lazy shims: loaded on first call, never at start-up. The snapshot needs
 * them for what Node cannot snapshot; the plain bundle so that its one file does not load http,
 * tls, child_process … before main() (a lazily imported module's static imports are hoisted).
 */
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
/** The CLI as one ESM file, dependencies included. `dist` is the package's tsc output dir. */
export async function bundleCli(dist, outdir) {
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { cli: `${dist}/cli/main.js` },
  outdir,
  bundle: true,
  // one file: esbuild's splitting made a chunk for each set of lazy import() sites sharing a
  // module, and a warm build loaded 51 of them (32 at 83992a6); Node's ESM loader pays per file
  // (resolve, package scope, link). A lazy import() still defers running its module.
  splitting: false,
  plugins: [lazyBuiltins],
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // CJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __tsbCreateRequire } from 'node:module'; const require = __tsbCreateRequire(import.meta.url);" },
});
}

// The same CLI as one CommonJS script for a V8 startup snapshot (see src/cli/snapshot.ts), then
// the snapshot itself. Built-ins that Node does not support in snapshots (child_process …) are
// reached through lazy shims: loaded on first call at run time, never during the snapshot build.
/** The snapshot script dist/startup/cli.cjs (one CommonJS file; the blob is made from it by build-snapshot.cjs). */
export async function bundleSnapshotScript(dist, snapDir) {
rmSync(snapDir, { recursive: true, force: true });
await build({
  entryPoints: { cli: `${dist}/cli/snapshot.js` },
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
  banner: { js: `${readFileSync(new URL('./snapshot-guard.cjs', import.meta.url), 'utf8')}\nvar __tsbImportMetaUrl = require('node:url').pathToFileURL(__filename).href;` },
});
}

// `node scripts/bundle.mjs` (npm run build): the builder's bundles and its startup snapshot
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await bundleCli('packages/builder/dist', 'packages/builder/dist/bundle');
  await bundleSnapshotScript('packages/builder/dist', 'packages/builder/dist/startup');
  const { buildSnapshot } = createRequire(import.meta.url)('./build-snapshot.cjs');
  const r = buildSnapshot('packages/builder');
  if (!r.ok) {
    process.stderr.write(`${r.unsupported ? 'note: ' : ''}${r.message}\n`);
    if (!r.unsupported) process.exit(1);
  }
}
