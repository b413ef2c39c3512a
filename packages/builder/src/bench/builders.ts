/**
 * The two builders the benchmark drives, each as a CLI process (so start-up cost counts, as it does
 * for a user): tsbuild through its bin, BuildKit through Debian's `docker build` (DOCKER_BUILDKIT=1).
 * Step counts come from BuildKit-style plain progress, which both print: `#N [stage i/n] INSTR`
 * headers and `#N CACHED` lines. FROM steps are left out of both counts (docker never marks them cached).
 */
import { readdirSync, lstatSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { StorePaths } from '@tsbuild/layerstore';
import { BuildError } from '../errors.js';
import { measure, type Measured } from './measure.js';
import type { RunSample } from './types.js';

export interface BuildRequest {
  context: string;
  dockerfile: string;
  tag: string;
  buildArgs: Record<string, string>;
  noCache: boolean;
  rss: boolean;
}

export interface BuilderDriver {
  name: 'tsbuild' | 'docker';
  /** make the next build cold: empty cache (docker: prune the build cache) */
  resetCache(): Promise<void>;
  build(req: BuildRequest): Promise<RunSample>;
  /** remove the tag the runs gave (the benchmark leaves no image name behind) */
  untag(tag: string): Promise<void>;
}

export function countSteps(progress: string): { total: number; cached: number } {
  const steps = new Map<string, boolean>();
  const fromSteps = new Set<string>();
  for (const line of progress.split('\n')) {
    const head = /^#(\d+) \[[^\]]*?\d+\/\d+\]\s+(\S+)/.exec(line);
    if (head) {
      if (head[2]!.toUpperCase() === 'FROM') fromSteps.add(head[1]!);
      else if (!steps.has(head[1]!)) steps.set(head[1]!, false);
      continue;
    }
    const cached = /^#(\d+) CACHED\s*$/.exec(line);
    if (cached && steps.has(cached[1]!)) steps.set(cached[1]!, true);
  }
  let c = 0;
  for (const v of steps.values()) if (v) c++;
  return { total: steps.size, cached: c };
}

function buildArgFlags(args: Record<string, string>): string[] {
  return Object.entries(args).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
}

function failure(what: string, m: Measured): Error {
  const tail = (m.stderr + m.stdout).trim().split('\n').slice(-25).join('\n');
  const hint = /E_IMAGE_NOT_FOUND/.test(tail) ? '\n(a base image is missing from the benchmark\'s store: give it with --root DIR, or --load ARCHIVE for fresh stores)' : '';
  return new BuildError('E_BENCH', `${what} failed with exit code ${m.exitCode}:\n${tail}${hint}`, { data: { exitCode: m.exitCode } });
}

/** Total size of regular files under dir (the store's blobs). */
export function treeBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) total += lstatSync(p).size;
    }
  };
  walk(dir);
  return total;
}

/** Find a number in tsbuild's metadata file under any of the given keys (top level or under "tsbuild.stats"). */
function metadataNumber(file: string, keys: string[]): number | undefined {
  try {
    const md = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const pools = [md, (md['tsbuild.stats'] ?? {}) as Record<string, unknown>, (md.stats ?? {}) as Record<string, unknown>];
    for (const pool of pools) for (const k of keys) if (typeof pool[k] === 'number') return pool[k] as number;
  } catch {
    /* no metadata: leave the figure out */
  }
  return undefined;
}

export function tsbuildDriver(opts: { command: string[]; root: () => string; extraArgs: string[]; metadataFile: string }): BuilderDriver {
  return {
    name: 'tsbuild',
    async resetCache() {
      /* a cold run gets a fresh root from the caller */
    },
    async untag(tag) {
      await measure([...opts.command, 'rmi', '--root', opts.root(), tag]);
    },
    async build(req) {
      const root = opts.root();
      const blobs = new StorePaths(root).blobs;
      const before = treeBytes(blobs);
      const argv = [
        ...opts.command, 'build', '--root', root, '--progress', 'plain', '--network', 'none',
        '--metadata-file', opts.metadataFile, '-f', req.dockerfile, '-t', req.tag,
        ...buildArgFlags(req.buildArgs), ...(req.noCache ? ['--no-cache'] : []), ...opts.extraArgs, req.context,
      ];
      const m = await measure(argv, { rss: req.rss });
      if (m.exitCode !== 0) throw failure('tsbuild build', m);
      const steps = countSteps(m.stdout + '\n' + m.stderr);
      return {
        wallMs: m.wallMs,
        stepsTotal: steps.total,
        stepsCached: steps.cached,
        contextBytesRead: metadataNumber(opts.metadataFile, ['contextBytesRead', 'context_bytes_read']),
        bytesWritten: treeBytes(blobs) - before,
        peakRssKb: m.peakRssKb,
      };
    },
  };
}

export function dockerDriver(opts: { dockerPath: string }): BuilderDriver {
  const env = { ...process.env, DOCKER_BUILDKIT: '1' };
  return {
    name: 'docker',
    async resetCache() {
      const m = await measure([opts.dockerPath, 'builder', 'prune', '-af'], { env });
      if (m.exitCode !== 0) throw failure('docker builder prune', m);
    },
    async untag(tag) {
      // only the name: the image itself may be shared with the user's own tags
      await measure([opts.dockerPath, 'rmi', '--no-prune', tag], { env });
    },
    async build(req) {
      const argv = [
        opts.dockerPath, 'build', '--network=none', '--progress=plain', '-f', req.dockerfile, '-t', req.tag,
        ...buildArgFlags(req.buildArgs), ...(req.noCache ? ['--no-cache'] : []), req.context,
      ];
      const m = await measure(argv, { env, rss: false });
      if (m.exitCode !== 0) throw failure('docker build', m);
      const steps = countSteps(m.stdout + '\n' + m.stderr);
      return { wallMs: m.wallMs, stepsTotal: steps.total, stepsCached: steps.cached };
    },
  };
}

export async function dockerAvailable(dockerPath: string): Promise<string | undefined> {
  if (!existsSync(dockerPath)) return `${dockerPath} not found`;
  const m = await measure([dockerPath, 'info', '--format', '{{.ServerVersion}}']);
  return m.exitCode === 0 ? undefined : `no Docker engine answers (${dockerPath} info failed)`;
}
