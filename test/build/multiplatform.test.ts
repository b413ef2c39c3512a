/**
 * Multi-platform builds with real foreign bases (Debian's busybox-static for arm64 and armhf,
 * test/helpers/foreign-busybox.ts) and real QEMU user emulation through binfmt_misc. Handlers
 * this file registers are removed again afterwards (docker's BuildKit slows down while a qemu
 * handler is registered), and binfmt_misc is unmounted again if it was not mounted before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from '@tsbuild/builder';
import type { Executor } from '@tsbuild/builder/engine';
import type { Store } from '@tsbuild/layerstore';
import { detectExecutor } from '../../packages/builder/src/exec/detect.js';
import { BINFMT_DIR, setupEmulation } from '../../packages/builder/src/exec/emulation.js';
import { foreignBusyboxUnavailable, importBusyboxIndex } from '../helpers/foreign-busybox.js';
import { STORE_TMP, tempStore, type TempStore } from '../helpers/store.js';
import { runTsbuild } from '../helpers/cli.js';
import { DOCKER, ensureDockerd } from '../helpers/docker.js';
import { makeContext, removeDir } from './helpers.js';

const HANDLERS = ['qemu-aarch64', 'qemu-arm'];
const isRoot = process.getuid?.() === 0;
const unavailable = process.arch !== 'x64' ? 'these tests assume an x86_64 host' : !isRoot ? 'needs root (namespaces, binfmt_misc)' : (foreignBusyboxUnavailable('arm64') ?? foreignBusyboxUnavailable('arm/v7'));
if (unavailable) console.warn(`multiplatform tests skipped: ${unavailable}`);

/** binfmt state before: restored in afterAll */
const before: { mounted: boolean; handlers: Record<string, 'absent' | 'enabled' | 'disabled'> } = { mounted: false, handlers: {} };
let emulation: string | undefined;

function handlerState(n: string): 'absent' | 'enabled' | 'disabled' {
  try {
    return readFileSync(join(BINFMT_DIR, n), 'utf8').startsWith('enabled') ? 'enabled' : 'disabled';
  } catch {
    return 'absent';
  }
}

describe.skipIf(unavailable)('multi-platform builds', () => {
  let t: TempStore;
  let ctx: string;
  let out: string;

  beforeAll(async () => {
    before.mounted = existsSync(join(BINFMT_DIR, 'status'));
    for (const n of HANDLERS) before.handlers[n] = before.mounted ? handlerState(n) : 'absent';
    try {
      setupEmulation({ only: HANDLERS });
      for (const n of HANDLERS) if (handlerState(n) === 'disabled') writeFileSync(join(BINFMT_DIR, n), '1');
    } catch (err) {
      emulation = `QEMU emulation unavailable (apt-get install qemu-user-static): ${(err as Error).message}`;
      console.warn(emulation);
    }
    t = await tempStore('multiplatform-');
    await importBusyboxIndex(t.store, 'busybox-multi', ['amd64', 'arm64', 'arm/v7']);
    await importBusyboxIndex(t.store, 'busybox-two', ['amd64', 'arm64']);
    ctx = makeContext({ 'amd64.txt': 'file for amd64\n', 'arm64.txt': 'file for arm64\n', 'arm.txt': 'file for arm\n' });
    mkdirSync(STORE_TMP, { recursive: true });
    out = mkdtempSync(join(STORE_TMP, 'mp-out-'));
  }, 120_000);

  afterAll(async () => {
    await t?.store.close?.();
    t?.cleanup();
    if (ctx) removeDir(ctx);
    if (out) rmSync(out, { recursive: true, force: true });
    if (!existsSync(join(BINFMT_DIR, 'status'))) return;
    for (const n of HANDLERS) {
      const now = handlerState(n);
      if (before.handlers[n] === 'absent' && now !== 'absent') writeFileSync(join(BINFMT_DIR, n), '-1');
      else if (before.handlers[n] === 'disabled' && now === 'enabled') writeFileSync(join(BINFMT_DIR, n), '0');
    }
    if (!before.mounted) execFileSync('umount', [BINFMT_DIR]);
  });

  it('RUN uname -m under each platform, TARGETARCH-driven COPY, one index tagged, per-platform local output', async () => {
    if (emulation) return void console.warn(`skipped: ${emulation}`);
    const df = `FROM busybox-multi
ARG TARGETARCH TARGETPLATFORM TARGETVARIANT BUILDPLATFORM BUILDARCH
COPY $TARGETARCH.txt /picked
RUN uname -m > /arch && echo "$TARGETPLATFORM|$TARGETARCH|$TARGETVARIANT|$BUILDPLATFORM|$BUILDARCH" > /args && grep -E '^Seccomp:' /proc/self/status > /sandbox
`;
    writeFileSync(join(ctx, 'Dockerfile'), df);
    const dest = join(out, 'local');
    const iid = join(out, 'iid');
    const r = runTsbuild(['build', '--root', t.root, '--platform', 'linux/amd64,linux/arm64,linux/arm/v7', '-t', 'mp:1', '-o', `type=local,dest=${dest}`, '--iidfile', iid, '--progress=plain', ctx]);
    expect(r.stderr).toContain('[linux/arm64 stage-0 3/3] RUN uname -m');
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dest, 'linux_amd64/arch'), 'utf8')).toBe('x86_64\n');
    expect(readFileSync(join(dest, 'linux_arm64/arch'), 'utf8')).toBe('aarch64\n');
    expect(readFileSync(join(dest, 'linux_arm_v7/arch'), 'utf8')).toBe('armv7l\n');
    expect(readFileSync(join(dest, 'linux_amd64/picked'), 'utf8')).toBe('file for amd64\n');
    expect(readFileSync(join(dest, 'linux_arm64/picked'), 'utf8')).toBe('file for arm64\n');
    expect(readFileSync(join(dest, 'linux_arm_v7/picked'), 'utf8')).toBe('file for arm\n');
    expect(readFileSync(join(dest, 'linux_arm64/args'), 'utf8')).toBe('linux/arm64|arm64||linux/amd64|amd64\n');
    expect(readFileSync(join(dest, 'linux_arm_v7/args'), 'utf8')).toBe('linux/arm/v7|arm|v7|linux/amd64|amd64\n');
    // the emulated steps run in the same sandbox: QEMU (a host binary) under the host's seccomp filter
    for (const p of ['linux_amd64', 'linux_arm64', 'linux_arm_v7']) expect(readFileSync(join(dest, p, 'sandbox'), 'utf8')).toBe('Seccomp:\t2\n');

    // the tag names an index with the three platforms; inspect shows it
    const ins = runTsbuild(['inspect', '--root', t.root, 'mp:1']);
    expect(ins.code, ins.stderr).toBe(0);
    const [doc] = JSON.parse(ins.stdout) as { Id: string; MediaType: string; Platforms: string[]; Manifests: { Architecture: string; Variant?: string }[] }[];
    expect(doc!.MediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(readFileSync(iid, 'utf8')).toBe(doc!.Id); // as buildx: the index digest
    expect(doc!.Platforms).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7']);
    expect(doc!.Manifests.map((m) => [m.Architecture, m.Variant])).toEqual([['amd64', undefined], ['arm64', undefined], ['arm', 'v7']]);

    // warm: every step of every platform from the cache, nothing run
    const tarOut = join(out, 'fs.tar');
    const warm = runTsbuild(['build', '--root', t.root, '--platform', 'linux/amd64,linux/arm64,linux/arm/v7', '-t', 'mp:1', '-o', `type=tar,dest=${tarOut}`, '--progress=plain', ctx]);
    expect(warm.code, warm.stderr).toBe(0);
    // type=tar: one tree per platform in the one tar, as buildx
    expect(execFileSync('tar', ['-xOf', tarOut, './linux_arm_v7/arch'], { encoding: 'utf8' })).toBe('armv7l\n');
    expect(execFileSync('tar', ['-xOf', tarOut, './linux_amd64/picked'], { encoding: 'utf8' })).toBe('file for amd64\n');
    expect(warm.stderr.match(/CACHED/g)?.length).toBe(6);
    expect(warm.stderr.match(/ DONE /g)?.length).toBe(3); // the three FROMs only

    // the store keeps the index and its images through GC; fsck follows index → manifests
    const images = runTsbuild(['images', '--root', t.root, '--json']);
    expect(images.code, images.stderr).toBe(0);
    expect((JSON.parse(images.stdout) as { name: string; manifestDigest: string }[]).find((i) => i.name === 'mp:1')?.manifestDigest).toBe(doc!.Id);
    const prune = runTsbuild(['prune', '--root', t.root]);
    expect(prune.code, prune.stderr).toBe(0);
    const fsck = runTsbuild(['fsck', '--root', t.root]);
    expect(fsck.code, fsck.stdout + fsck.stderr).toBe(0);
    const again = runTsbuild(['inspect', '--root', t.root, 'mp:1']);
    expect((JSON.parse(again.stdout) as { Platforms: string[] }[])[0]!.Platforms).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7']);
  }, 180_000);

  it('a FROM --platform=$BUILDPLATFORM stage used by two targets runs once; -o type=oci holds the index', async () => {
    if (emulation) return void console.warn(`skipped: ${emulation}`);
    const runs: string[] = [];
    const real = detectExecutor({ runtime: 'auto', tmpDir: t.store.tmpDir() }).executor;
    const executor: Executor = { name: 'counting', run: (spec) => (runs.push(spec.args.join(' ')), real.run(spec)) };
    const dockerfile = `FROM --platform=$BUILDPLATFORM busybox-two AS build
RUN echo compiled-once > /tool && uname -m >> /tool
FROM busybox-two
ARG TARGETARCH
COPY --from=build /tool /tool
RUN cat /tool > /seen && uname -m >> /seen && echo $TARGETARCH >> /seen
`;
    const oci = join(out, 'image.oci.tar');
    const cacheDir = join(out, 'cache-min');
    // --jobs 1: the platforms share one slot (and still meet at the shared step without deadlock)
    const r = await build({ context: ctx, dockerfileText: dockerfile, store: t.store, executor, platform: 'linux/amd64,linux/arm64', tags: ['cross:1'], outputs: [{ type: 'oci', dest: oci }], jobs: 1, cacheTo: [{ type: 'local', dest: cacheDir, mode: 'min' }] });
    expect(runs.filter((a) => a.includes('compiled-once'))).toHaveLength(1);
    expect(runs.filter((a) => a.includes('cat /tool'))).toHaveLength(2);
    expect(r.platforms?.map((p) => [p.platform, p.image.config.architecture])).toEqual([['linux/amd64', 'amd64'], ['linux/arm64', 'arm64']]);
    const arm = r.platforms![1]!.image;
    const seen = execFileSync('tar', ['-xzOf', t.store.blobPath(arm.layers[arm.layers.length - 1]!.digest), 'seen'], { encoding: 'utf8' });
    expect(seen).toBe('compiled-once\nx86_64\naarch64\narm64\n');
    // --cache-to mode=min keeps every platform's final chain
    for (const p of r.platforms!) expect(existsSync(join(cacheDir, 'blobs/sha256', p.image.layers[p.image.layers.length - 1]!.digest.slice(7)))).toBe(true);
    // the archive's index.json points at the image index, which lists both platforms
    const dir = mkdtempSync(join(out, 'oci-'));
    execFileSync('tar', ['-xf', oci, '-C', dir]);
    const top = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { mediaType: string; digest: string }[] };
    expect(top.manifests).toHaveLength(1);
    expect(top.manifests[0]!.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(top.manifests[0]!.digest).toBe(r.imageDigest);
    const idx = JSON.parse(readFileSync(join(dir, 'blobs/sha256', r.imageDigest.slice(7)), 'utf8')) as { manifests: { platform: { architecture: string } }[] };
    expect(idx.manifests.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64']);

    // tsbuild load keeps the archive's index (every platform's image is in it): a multi-platform base
    const t2 = await tempStore('multiplatform-load-');
    try {
      const loaded = runTsbuild(['load', '--root', t2.root, '-i', oci]);
      expect(loaded.code, loaded.stderr).toBe(0);
      expect(await (t2.store as Store).resolve('cross:1')).toBe(r.imageDigest);
      expect((await t2.store.getImage('cross:1', { platform: { os: 'linux', architecture: 'arm64' } }))?.manifestDigest).toBe(arm.manifestDigest);
      const fsck = runTsbuild(['fsck', '--root', t2.root]);
      expect(fsck.code, fsck.stdout + fsck.stderr).toBe(0);
    } finally {
      await t2.store.close?.();
      t2.cleanup();
    }

    // skopeo reads the archive's index; docker loads and runs the host's image out of the index
    if (existsSync('/usr/bin/skopeo')) {
      const raw = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', `oci-archive:${oci}`], { encoding: 'utf8' })) as { manifests: { platform: { architecture: string } }[] };
      expect(raw.manifests.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
      const amd = JSON.parse(execFileSync('skopeo', ['inspect', '--override-arch', 'arm64', `oci-archive:${oci}`], { encoding: 'utf8' })) as { Architecture: string };
      expect(amd.Architecture).toBe('arm64');
    } else console.warn('skopeo check skipped: /usr/bin/skopeo absent');
    if ((await ensureDockerd()).ok) {
      const tar = join(out, 'host.docker.tar');
      const saved = runTsbuild(['save', '--root', t.root, '-o', tar, 'cross:1']);
      expect(saved.code, saved.stderr).toBe(0);
      execFileSync(DOCKER, ['load', '-i', tar], { stdio: 'pipe' });
      try {
        expect(execFileSync(DOCKER, ['run', '--rm', '--network=none', 'cross:1', 'cat', '/seen'], { encoding: 'utf8' })).toBe('compiled-once\nx86_64\nx86_64\namd64\n');
      } finally {
        execFileSync(DOCKER, ['rmi', 'cross:1'], { stdio: 'pipe' });
      }
    } else console.warn('docker load check skipped: no docker engine');
  }, 180_000);

  it('errors: a platform the index lacks, type=docker with several platforms, a foreign RUN without emulation (pushing an index: test/registry/push-index.test.ts)', async () => {
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox-two\nRUN true\n');
    const lacks = runTsbuild(['build', '--root', t.root, '--platform', 'linux/amd64,linux/s390x', ctx], { env: { TSBUILD_NO_SNAPSHOT: '1' } });
    expect(lacks.code).not.toBe(0);
    expect(lacks.stderr).toContain('has no image for platform linux/s390x (it has linux/amd64, linux/arm64)');
    expect(lacks.stderr).toContain('E_PLATFORM');

    const docker = runTsbuild(['build', '--root', t.root, '--platform', 'linux/amd64,linux/arm64', '-o', `type=docker,dest=${join(out, 'd.tar')}`, ctx]);
    expect(docker.code).not.toBe(0);
    expect(docker.stderr).toContain('docker exporter does not currently support exporting manifest lists');
    expect(existsSync(join(out, 'd.tar'))).toBe(false);

    const bad = runTsbuild(['build', '--root', t.root, '--platform', 'linux//v7', ctx]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('invalid platform "linux//v7": expected os[/arch[/variant]]');

    // any OS builds without RUN (BuildKit's scenarios build windows/amd64 from scratch); a RUN for one cannot run here
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY amd64.txt /\nRUN x\n');
    const win = runTsbuild(['build', '--root', t.root, '--platform', 'windows/amd64', ctx]);
    expect(win.code).not.toBe(0);
    expect(win.stderr).toContain('RUN for platform windows/amd64 cannot run on this linux/amd64 host');

    // no handlers visible (an empty binfmt_misc): the step fails naming the platform and the fix
    const empty = mkdtempSync(join(out, 'binfmt-'));
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox-two\nRUN echo no-emulation-here\n');
    const noemu = runTsbuild(['build', '--root', t.root, '--platform', 'linux/arm64', ctx], { env: { TSBUILD_BINFMT_DIR: empty } });
    expect(noemu.code).not.toBe(0);
    expect(noemu.stderr).toContain('RUN for platform linux/arm64 needs emulation on this linux/amd64 host');
    expect(noemu.stderr).toContain('tsbuild setup-emulation');
    expect(noemu.stderr).toContain('E_EMULATION');
    const status = runTsbuild(['setup-emulation', '--status'], { env: { TSBUILD_BINFMT_DIR: empty } });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^linux\/amd64 +native$/m);
    expect(status.stdout).toMatch(/^linux\/386 +native$/m);
    expect(status.stdout).toMatch(/^linux\/arm64 +unavailable: .*tsbuild setup-emulation/m);
  }, 120_000);
});
