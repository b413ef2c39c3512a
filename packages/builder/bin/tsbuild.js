#!/usr/bin/env -S node --max-semi-space-size=4
// --max-semi-space-size=4: V8's young generation otherwise grows to 16+ MB semi-spaces while a big
// COPY streams 20k files through tar and gzip; capping it cut bigctx's cold peak RSS 189 -> 150 MB
// at no measurable cost in time (it must be a command-line flag: v8.setFlagsFromString is too late).
// The bin is one import. It prefers the bundled CLI (dist/bundle, made by `npm run build`): one
// file to load instead of ~150 modules. Falls back to the plain tsc output.
// V8's compile cache (Node >= 22.1) also cuts start-up where the Node version has it.
import * as mod from 'node:module';
mod.enableCompileCache?.();
let cli;
try {
  cli = await import('../dist/bundle/cli.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
  cli = await import('../dist/cli/main.js');
}
cli.exitWhenFlushed(await cli.main(process.argv.slice(2)));
