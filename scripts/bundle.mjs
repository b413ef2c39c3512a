// Bundle the CLI into a few ESM files (entry + lazily loaded chunks) so start-up does not pay
// Node's per-module resolution and loading cost (~200 ms for ~150 modules on these machines,
// more than the whole warm build). tsc still type-checks and emits dist/ for the library API.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

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
