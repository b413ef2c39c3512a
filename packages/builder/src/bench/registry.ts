/**
 * `npm run bench -- registry`: registry transfers against skopeo and docker in the same run, on a
 * ~200 MB image of 5 layers (busybox + four 50 MB layers of random bytes) in the local registry
 * (127.0.0.1:5000, started by ../shared/bench/setup.sh; $BENCH_REGISTRY overrides):
 *   pull into an empty store        vs `skopeo copy docker://… oci:…`
 *   push to an empty repository      vs `skopeo copy oci:… docker://…`
 *   cold `FROM <image>` + `RUN true` vs `docker build` (the image removed from docker first)
 * Each pair alternates run by run; medians are reported with the ratio tsbuild/other time.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, measure } from './measure.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = resolve(HERE, '../../bin/tsbuild');

export interface RegistryBenchResult {
  registry: string;
  imageBytes: number;
  layers: number;
  pull: { tsbuildMs: number; skopeoMs: number; ratio: number; tsbuildMBps: number; skopeoMBps: number };
  push: { tsbuildMs: number; skopeoMs: number; ratio: number };
  coldBuild?: { tsbuildMs: number; dockerMs: number; ratio: number };
}

/**
 * skopeo in a mount namespace with an empty blob-info cache: containers/image remembers which
 * repositories hold a blob and would mount instead of uploading, which is not the case measured.
 */
function skopeo(args: string[]): string[] {
  const cache = '/var/lib/containers/cache';
  return ['unshare', '-m', 'sh', '-c', `mkdir -p ${cache} && mount -t tmpfs none ${cache} && exec skopeo "$@"`, 'skopeo', ...args];
}

async function ok(cmd: string[], what: string, env?: NodeJS.ProcessEnv): Promise<number> {
  const m = await measure(cmd, { env });
  if (m.exitCode !== 0) throw new Error(`${what} failed (${m.exitCode}): ${m.stderr.slice(-2000)}`);
  return m.wallMs;
}

export async function benchRegistry(opts: { scratch: string; benchData: string; runs: number; log: (m: string) => void }): Promise<RegistryBenchResult | undefined> {
  const reg = process.env.BENCH_REGISTRY ?? '127.0.0.1:5000';
  const up = await fetch(`http://${reg}/v2/`).then((r) => r.ok, () => false);
  if (!up) {
    opts.log(`registry: skipped (no registry answers at http://${reg}/v2/; run ../shared/bench/setup.sh)`);
    return undefined;
  }
  const dir = join(opts.scratch, 'registry');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // the image: busybox + four COPY layers of incompressible bytes, built and pushed by tsbuild
  const src = join(dir, 'src-root');
  const ctx = join(dir, 'ctx');
  mkdirSync(ctx, { recursive: true });
  for (let i = 1; i <= 4; i++) writeFileSync(join(ctx, `r${i}.bin`), randomBytes(50 << 20));
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM localbase/busybox:1\n' + [1, 2, 3, 4].map((i) => `COPY r${i}.bin /r${i}.bin\n`).join(''));
  await ok([BIN, 'load', '--root', src, '-i', join(opts.benchData, 'busybox-docker.tar')], 'tsbuild load busybox');
  opts.log('registry: building the 200 MB image');
  await ok([BIN, 'build', '--root', src, '--progress', 'quiet', '-t', 'regbench:1', ctx], 'tsbuild build (bench image)');
  const image = `${reg}/tsbuild-bench/big:1`;
  await ok([BIN, 'push', '--root', src, 'regbench:1', image], 'tsbuild push (bench image)');
  const inspect = await measure([BIN, 'inspect', '--root', src, 'regbench:1']);
  const rec = JSON.parse(inspect.stdout) as { Size?: number; RootFS?: { Layers?: string[] } }[];
  const imageBytes = rec[0]?.Size ?? 0;
  const layers = rec[0]?.RootFS?.Layers?.length ?? 0;
  const env = { ...process.env, TSBUILD_CONFIG: join(dir, 'no-config.json') };

  const pullT: number[] = [];
  const pullS: number[] = [];
  const pushT: number[] = [];
  const pushS: number[] = [];
  for (let r = 0; r < opts.runs; r++) {
    opts.log(`registry: run ${r + 1}/${opts.runs}`);
    const root = join(dir, `pull-${r}`);
    pullT.push(await ok([BIN, 'pull', '--root', root, '-q', image], 'tsbuild pull', env));
    const oci = join(dir, `oci-${r}`);
    pullS.push(await ok(skopeo(['copy', '--quiet', '--src-tls-verify=false', `docker://${image}`, `oci:${oci}:x`]), 'skopeo copy (pull)'));
    // push to an empty repository: forget where the blobs came from, so nothing is mounted
    rmSync(join(root, 'sources'), { recursive: true, force: true });
    const tag = `${Date.now().toString(36)}-${r}`;
    pushT.push(await ok([BIN, 'push', '--root', root, '-q', image, `${reg}/tsbuild-bench/push-${tag}:1`], 'tsbuild push', env));
    pushS.push(await ok(skopeo(['copy', '--quiet', '--dest-tls-verify=false', `oci:${oci}:x`, `docker://${reg}/tsbuild-bench/skopeo-${tag}:1`]), 'skopeo copy (push)'));
    rmSync(root, { recursive: true, force: true });
    rmSync(oci, { recursive: true, force: true });
    // the runs' manifests go again (the shared registry has deletes enabled); a registry GC frees the rest
    for (const repo of [`tsbuild-bench/push-${tag}`, `tsbuild-bench/skopeo-${tag}`]) await deleteTag(reg, repo, '1');
  }
  const mb = imageBytes / 1e6;
  const res: RegistryBenchResult = {
    registry: reg,
    imageBytes,
    layers,
    pull: { tsbuildMs: median(pullT), skopeoMs: median(pullS), ratio: median(pullS) / median(pullT), tsbuildMBps: mb / (median(pullT) / 1000), skopeoMBps: mb / (median(pullS) / 1000) },
    push: { tsbuildMs: median(pushT), skopeoMs: median(pushS), ratio: median(pushS) / median(pushT) },
  };

  // cold build FROM the registry image, both sides pulling it
  if (existsSync('/usr/bin/docker') && (await measure(['/usr/bin/docker', 'info'])).exitCode === 0) {
    const bctx = join(dir, 'build-ctx');
    mkdirSync(bctx, { recursive: true });
    writeFileSync(join(bctx, 'Dockerfile'), `FROM ${image}\nRUN true\n`);
    const bt: number[] = [];
    const bd: number[] = [];
    for (let r = 0; r < opts.runs; r++) {
      const root = join(dir, `build-${r}`);
      bt.push(await ok([BIN, 'build', '--root', root, '--progress', 'quiet', '--network', 'none', bctx], 'tsbuild cold build', env));
      rmSync(root, { recursive: true, force: true });
      // the previous result holds the base's layers: both go, so docker pulls and unpacks again
      await measure(['/usr/bin/docker', 'rmi', '-f', 'tsbuild-bench-cold:1', image]);
      await measure(['/usr/bin/docker', 'builder', 'prune', '-af']);
      bd.push(await ok(['/usr/bin/docker', 'build', '--progress=plain', '--network=none', '-t', 'tsbuild-bench-cold:1', bctx], 'docker build', { ...process.env, DOCKER_BUILDKIT: '1' }));
    }
    await measure(['/usr/bin/docker', 'rmi', '-f', 'tsbuild-bench-cold:1', image]);
    res.coldBuild = { tsbuildMs: median(bt), dockerMs: median(bd), ratio: median(bt) / median(bd) };
  }
  rmSync(dir, { recursive: true, force: true });
  return res;
}

async function deleteTag(reg: string, repo: string, tag: string): Promise<void> {
  const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';
  const head = await fetch(`http://${reg}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers: { accept } }).catch(() => undefined);
  const digest = head?.headers.get('docker-content-digest');
  if (digest) await fetch(`http://${reg}/v2/${repo}/manifests/${digest}`, { method: 'DELETE' }).catch(() => undefined);
}

export function formatRegistryReport(r: RegistryBenchResult): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)}s`;
  let out = `image ${r.registry}/tsbuild-bench/big:1: ${(r.imageBytes / 1e6).toFixed(0)} MB, ${r.layers} layers\n`;
  out += `pull into an empty store: tsbuild ${s(r.pull.tsbuildMs)} (${r.pull.tsbuildMBps.toFixed(0)} MB/s), skopeo ${s(r.pull.skopeoMs)} (${r.pull.skopeoMBps.toFixed(0)} MB/s): ${r.pull.ratio.toFixed(2)}x skopeo's throughput\n`;
  out += `push to an empty repository: tsbuild ${s(r.push.tsbuildMs)}, skopeo ${s(r.push.skopeoMs)}: ${r.push.ratio.toFixed(2)}x skopeo's throughput\n`;
  if (r.coldBuild) out += `cold FROM <image> + RUN true: tsbuild ${s(r.coldBuild.tsbuildMs)}, docker build ${s(r.coldBuild.dockerMs)}: ${r.coldBuild.ratio.toFixed(2)}x docker's time\n`;
  return out;
}
