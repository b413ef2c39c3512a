/** Run one command, timing its wall clock (and its peak RSS through GNU time when asked). */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Measured { wallMs: number; exitCode: number; stdout: string; stderr: string; peakRssKb?: number }

const GNU_TIME = '/usr/bin/time';

export async function measure(cmd: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; rss?: boolean } = {}): Promise<Measured> {
  let argv = cmd;
  let rssFile: string | undefined;
  if (opts.rss && existsSync(GNU_TIME)) {
    rssFile = join(tmpdir(), `tsbuild-bench-rss-${process.pid}-${Date.now()}`);
    argv = [GNU_TIME, '-f', '%M', '-o', rssFile, ...cmd];
  }
  const start = process.hrtime.bigint();
  const child = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  let peakRssKb: number | undefined;
  if (rssFile && existsSync(rssFile)) {
    const n = Number.parseInt(readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? '', 10);
    if (Number.isFinite(n)) peakRssKb = n;
    rmSync(rssFile, { force: true });
  }
  return { wallMs, exitCode, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), peakRssKb };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median wall time of `node -e 0`: the floor under any Node CLI's start-up. */
export async function nodeStartupMs(runs = 10, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push((await measure([process.execPath, '-e', '0'], { env })).wallMs);
  return median(xs);
}

/**
 * `node -e 0` without NODE_EXTRA_CA_CERTS, when that is set: Node parses the bundle at start
 * (tsbuild defers it), so the bare floor is shown next to the one users' `node` has here.
 */
export async function nodeStartupNoExtraCaMs(runs = 10): Promise<number | undefined> {
  if (!process.env.NODE_EXTRA_CA_CERTS) return undefined;
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return nodeStartupMs(runs, env);
}
