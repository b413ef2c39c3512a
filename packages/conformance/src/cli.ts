#!/usr/bin/env node
/**
 * npm run conformance -- <corpus-dir> [--suite NAME]... [--json] [--verbose]
 * Prints one line per suite and a final `N passed, N failed` line; exits 1 on any failure.
 */
import { suites } from './suites/index.js';
import type { CaseResult } from './types.js';

async function main(argv: string[]): Promise<number> {
  let dir: string | undefined;
  const only: string[] = [];
  let json = false;
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (a === '--verbose' || a === '-v') verbose = true;
    else if (a === '--suite') only.push(argv[++i] ?? '');
    else if (a.startsWith('--suite=')) only.push(a.slice(8));
    else if (!a.startsWith('-') && !dir) dir = a;
    else {
      process.stderr.write(`conformance: unknown argument ${a}\n`);
      return 2;
    }
  }
  if (!dir) {
    process.stderr.write('usage: conformance <corpus-dir> [--suite NAME] [--json] [--verbose]\n');
    return 2;
  }
  const unknown = only.filter((n) => !suites.some((s) => s.name === n));
  if (unknown.length) {
    process.stderr.write(`conformance: unknown suite(s): ${unknown.join(', ')}; known: ${suites.map((s) => s.name).join(', ')}\n`);
    return 2;
  }
  const selected = only.length ? suites.filter((s) => only.includes(s.name)) : suites;
  const report: Record<string, { passed: number; failed: number; skipped: number }> = {};
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const suite of selected) {
    let results: CaseResult[];
    try {
      results = await suite.run(dir, { verbose });
    } catch (err) {
      results = [{ id: '(suite)', status: 'failed', reason: `suite crashed: ${(err as Error).stack ?? err}` }];
    }
    const c = { passed: 0, failed: 0, skipped: 0 };
    for (const r of results) c[r.status]++;
    report[suite.name] = c;
    passed += c.passed;
    failed += c.failed;
    skipped += c.skipped;
    if (!json) {
      process.stdout.write(`${suite.name}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped\n`);
      for (const r of results) {
        if (r.status === 'failed' || (verbose && r.status === 'skipped')) {
          process.stdout.write(`  ${r.status === 'failed' ? 'FAIL' : 'SKIP'} ${r.id}${r.reason ? `: ${r.reason}` : ''}\n`);
        }
      }
    }
  }
  if (json) process.stdout.write(JSON.stringify({ suites: report }) + '\n');
  else process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
