/**
 * Docker (BuildKit) as the reference builder for differential tests: find or start dockerd the way
 * ../shared/bench/setup.sh does, make sure the base image exists, build with BuildKit, and read the
 * built image back (config + layer tars from `docker save`).
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ImageConfig } from '@tsbuild/layerstore';

const execFileP = promisify(execFile);
export const DOCKER = process.env.TSBUILD_DOCKER ?? '/usr/bin/docker';
export const DOCKERD = '/usr/sbin/dockerd';
export const BENCH_DATA = process.env.BENCH_DATA ?? '/var/tmp/bench';
export const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function quiet(args: string[], timeout = 30_000): boolean {
  try {
    execFileSync(DOCKER, args, { stdio: 'ignore', timeout });
    return true;
  } catch {
    return false;
  }
}

/** True when the docker CLI can talk to a daemon. */
export function dockerAvailable(): boolean {
  return existsSync(DOCKER) && quiet(['info'], 20_000);
}

/**
 * Makes sure a daemon runs: when `docker info` fails, starts dockerd like setup.sh (no bridge, no
 * iptables: builds use --network=none) and waits up to 30 s. Returns a reason when it cannot.
 */
export async function ensureDockerd(): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (!existsSync(DOCKER)) return { ok: false, reason: `${DOCKER} not installed (apt-get install docker.io)` };
  if (dockerAvailable()) return { ok: true };
  if (!existsSync(DOCKERD)) return { ok: false, reason: `${DOCKERD} not installed (apt-get install docker.io)` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'dockerd is not running and starting it needs root' };
  const logDir = join(BENCH_DATA, 'log');
  mkdirSync(logDir, { recursive: true });
  const log = openSync(join(logDir, 'dockerd.log'), 'a');
  const child = spawn(DOCKERD, ['--storage-driver=overlay2', '--bridge=none', '--iptables=false', '--ip-forward=false', '--ip-masq=false'], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  writeFileSync(join(BENCH_DATA, 'dockerd.pid'), `${child.pid}\n`);
  for (let i = 0; i < 60; i++) {
    if (dockerAvailable()) return { ok: true };
    await new Promise((r) => setTimeout(r, 500));
  }
  let tail = '';
  try {
    tail = readFileSync(join(logDir, 'dockerd.log'), 'utf8').split('\n').slice(-10).join('\n');
  } catch { /* no log */ }
  return { ok: false, reason: `dockerd did not come up within 30 s:\n${tail}` };
}

export function dockerImageExists(ref: string): boolean {
  return quiet(['image', 'inspect', ref]);
}

/**
 * Ensures `ref` exists in docker: `docker load` of a docker-save tar when given (byte-identical to
 * what the bench setup published), else `docker import` of a rootfs tar with busybox's config.
 */
export async function ensureDockerBase(ref: string, source: { dockerSaveTar?: string; rootfsTar: string }): Promise<void> {
  if (dockerImageExists(ref)) return;
  if (source.dockerSaveTar && existsSync(source.dockerSaveTar)) {
    await execFileP(DOCKER, ['load', '-i', source.dockerSaveTar], { maxBuffer: 16 << 20 });
    if (dockerImageExists(ref)) return;
  }
  await execFileP(DOCKER, ['import', '--change', `ENV ${PATH_ENV}`, '--change', 'CMD ["sh"]', source.rootfsTar, ref], { maxBuffer: 16 << 20 });
}

export interface DockerBuildOptions {
  context: string;
  /** Dockerfile path (default <context>/Dockerfile) */
  dockerfile?: string;
  tag: string;
  buildArgs?: Record<string, string>;
  target?: string;
  noCache?: boolean;
}

export interface DockerBuildResult { ok: boolean; output: string; exitCode: number; startedAt: number; durationMs: number }

/** `DOCKER_BUILDKIT=1 docker build --network=none` (plain progress, output captured). */
export async function dockerBuild(o: DockerBuildOptions): Promise<DockerBuildResult> {
  const args = ['build', '--network=none', '--progress=plain', '-t', o.tag];
  if (o.dockerfile) args.push('-f', o.dockerfile);
  for (const [k, v] of Object.entries(o.buildArgs ?? {})) args.push('--build-arg', `${k}=${v}`);
  if (o.target) args.push('--target', o.target);
  if (o.noCache) args.push('--no-cache');
  args.push(o.context);
  const startedAt = Date.now();
  return new Promise((resolve) => {
    const child = spawn(DOCKER, args, { env: { ...process.env, DOCKER_BUILDKIT: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('close', (code) => resolve({ ok: code === 0, output, exitCode: code ?? -1, startedAt, durationMs: Date.now() - startedAt }));
  });
}

export interface SavedImage {
  config: ImageConfig;
  /** uncompressed layer tar files, lowest first (inside `dir`) */
  layerTars: string[];
  /** temp dir holding the extracted `docker save` output; call `cleanup()` */
  dir: string;
  cleanup(): void;
}

/** `docker save` + extract: the image config (with history) and its layer tars in order. */
export async function dockerSaveImage(ref: string): Promise<SavedImage> {
  const dir = mkdtempSync(join(tmpdir(), 'tsdiff-save-'));
  const tar = join(dir, 'image.tar');
  await execFileP(DOCKER, ['save', '-o', tar, ref]);
  await execFileP('tar', ['-xf', tar, '-C', dir]);
  rmSync(tar);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Array<{ Config: string; Layers: string[] }>;
  const m = manifest[0]!;
  return {
    config: JSON.parse(readFileSync(join(dir, m.Config), 'utf8')) as ImageConfig,
    layerTars: m.Layers.map((l) => join(dir, l)),
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * `docker create` + `docker export`: the container's flattened filesystem as a tar at `dest`.
 * Note: includes what the engine adds to every container (/.dockerenv, /etc/hosts, /etc/hostname,
 * /etc/resolv.conf, /dev mount points); prefer flattening `dockerSaveImage()` layers for exact images.
 */
export async function dockerExportFs(ref: string, dest: string): Promise<void> {
  const { stdout } = await execFileP(DOCKER, ['create', ref, '/bin/true']);
  const id = stdout.trim();
  try {
    await execFileP(DOCKER, ['export', '-o', dest, id]);
  } finally {
    await execFileP(DOCKER, ['rm', '-f', id]).catch(() => undefined);
  }
}

export async function dockerRemoveImage(ref: string): Promise<void> {
  await execFileP(DOCKER, ['rmi', '-f', ref]).catch(() => undefined);
}
