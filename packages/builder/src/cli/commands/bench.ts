/**
 * tsbuild bench [-f FILE] [--runs N] [--touch PATH]... [--compare docker] [--json] [--root DIR]
 *               [--load ARCHIVE]... [--build-arg K=V]... CONTEXT
 * With --load, every cold run gets a fresh temporary store seeded with the archives (the base
 * images); otherwise the store is --root, else $TSBUILD_ROOT, else the default store when it exists
 * (where `tsbuild build` finds the base images), used as is, and cold runs are --no-cache builds.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

const HELP = `Usage: tsbuild bench [OPTIONS] CONTEXT

Benchmark cold, warm and incremental builds of CONTEXT.

Options:
  -f, --file FILE        Dockerfile (default CONTEXT/Dockerfile)
      --runs N           timed runs per scenario (default 3)
      --touch PATH       context file rewritten before each incremental run (repeatable;
                         default: a file the last COPY reads)
      --compare docker   also run the scenarios through 'docker build' (BuildKit) and print ratios
      --root DIR         use this store (default: $TSBUILD_ROOT, else the default store;
                         cold runs are --no-cache builds there)
      --load ARCHIVE     instead, give each cold run a fresh store with this image archive
                         loaded (repeatable)
      --build-arg K=V    build argument (repeatable)
      --json             print the report as one JSON document
`;

export async function run(argv: string[]): Promise<number> {
  const { benchmark, formatReport } = await import('../../bench/benchmark.js');
  const { measure } = await import('../../bench/measure.js');
  let file: string | undefined;
  let runs: number | undefined;
  let root: string | undefined;
  let json = false;
  let compare = false;
  let context: string | undefined;
  const touch: string[] = [];
  const loads: string[] = [];
  const buildArgs: Record<string, string> = {};
  const need = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const [flag, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = (): string => inline ?? need(++i, flag);
    switch (flag) {
      case '-h': case '--help': process.stdout.write(HELP); return 0;
      case '-f': case '--file': file = value(); break;
      case '--runs': runs = Number(value()); if (!Number.isInteger(runs) || runs < 1) throw new UsageError('--runs takes a positive integer'); break;
      case '--touch': touch.push(value()); break;
      case '--compare': { const v = value(); if (v !== 'docker') throw new UsageError(`--compare supports only 'docker', not '${v}'`); compare = true; break; }
      case '--root': root = value(); break;
      case '--load': loads.push(value()); break;
      case '--build-arg': { const v = value(); const k = v.indexOf('='); if (k < 0) buildArgs[v] = process.env[v] ?? ''; else buildArgs[v.slice(0, k)] = v.slice(k + 1); break; }
      case '--json': json = true; break;
      case '--debug': case '-D': break;
      default:
        if (a.startsWith('-')) throw new UsageError(`bench: unknown flag ${a}`);
        if (context) throw new UsageError('bench takes exactly one CONTEXT');
        context = a;
    }
  }
  if (!context) throw new UsageError('bench needs a CONTEXT directory');
  // no archives to seed fresh stores with: the store `tsbuild build` uses, where the base images are
  // (as `docker build` has the daemon's); cold runs are then --no-cache builds
  if (!root && !loads.length) {
    const { defaultRoot } = await import('@tsbuild/layerstore');
    const dflt = defaultRoot();
    root = process.env.TSBUILD_ROOT || (existsSync(join(dflt, 'index.json')) ? dflt : undefined);
  }
  const bin = process.argv[1]!;
  const report = await benchmark({
    context, dockerfile: file, runs, touch, compareDocker: compare, root, buildArgs,
    prepareStore: loads.length
      ? async (r) => {
          for (const l of loads) {
            const m = await measure([process.execPath, bin, 'load', '--root', r, '-i', l]);
            if (m.exitCode !== 0) throw new Error(`loading ${l} failed: ${m.stderr}`);
          }
        }
      : undefined,
    onProgress: json ? undefined : (m) => process.stderr.write(`bench: ${m}\n`),
  });
  process.stdout.write(json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
  return 0;
}
