#!/usr/bin/env node
// The bin is one import: everything lives in dist/cli (compiled from src/cli).
// V8's compile cache (Node >= 22.1) cuts start-up where the Node version has it.
import * as mod from 'node:module';
mod.enableCompileCache?.();
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
