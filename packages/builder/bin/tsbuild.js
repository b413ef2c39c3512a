#!/usr/bin/env node
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
process.exitCode = await cli.main(process.argv.slice(2));
