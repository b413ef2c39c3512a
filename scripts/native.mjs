// `npm run build`: the builder's syscall addon (packages/builder/native/sys.c -> dist/native/sys.node);
// the work is in scripts/build-native.cjs, which the `tsbuild` package also runs at install.
import { createRequire } from 'node:module';

const { buildNative } = createRequire(import.meta.url)('./build-native.cjs');
const r = buildNative('packages/builder/native/sys.c', 'packages/builder/dist/native');
if (!r.ok) process.stderr.write(`note: ${r.message}\n`);
