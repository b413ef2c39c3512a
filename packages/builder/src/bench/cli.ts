#!/usr/bin/env node
// `npm run bench`: see workloads.ts.
import { benchMain } from './workloads.js';

process.exitCode = await benchMain(process.argv.slice(2));
