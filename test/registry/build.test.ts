/**
 * Builds against a real registry: an unmodified `FROM busybox` Dockerfile through a docker.io
 * mirror, `--pull` seeing a moved tag, `--push`, and the registry cache shared by two store roots
 * standing for two CI runners.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildEvent } from '@tsbuild/builder';
import { pullImage, pushImage, sha256, type ImageRecord, type Store, type TransferEvent } from '@tsbuild/layerstore';
import { importBusybox, STORE_TMP, tempStore, type TempStore } from '../helpers/store.js';
import { makeContext, removeDir } from '../build/helpers.js';
import { runTsbuild } from '../helpers/cli.js';
import { hasRegistry, startRegistry, type RunningRegistry } from './servers.js';

const d = describe.skipIf(!hasRegistry);

let reg: RunningRegistry;
let seed: TempStore;
let base: ImageRecord;
let envDir: string;
let env: Record<string, string>;
const cleanup: (() => void)[] = [];

beforeAll(async () => {
  if (!hasRegistry) return;
  reg = await startRegistry();
  seed = await tempStore('seed-');
  base = await importBusybox(seed.store, { names: ['busybox:latest'] });
  envDir = mkdtempSync(join(STORE_TMP, 'env-'));
  // the mirror config: docker.io → the test registry (plain HTTP: a local host)
  writeFileSync(join(envDir, 'tsbuild.json'), JSON.stringify({ mirrors: { 'docker.io': [reg.host] } }));
  env = { HOME: envDir, DOCKER_CONFIG: join(envDir, 'docker'), TSBUILD_CONFIG: join(envDir, 'tsbuild.json') };
  await pushImage(seed.store as Store, 'busybox:latest', { target: `${reg.host}/library/busybox:latest`, env });
});
afterAll(async () => {
  await reg?.stop();
  seed?.cleanup();
  for (const c of cleanup) c();
  if (envDir) rmSync(envDir, { recursive: true, force: true });
});

async function fresh(): Promise<TempStore> {
  const t = await tempStore('rb-');
  cleanup.push(() => t.cleanup());
  return t;
}
function ctx(files: Record<string, string>): string {
  const c = makeContext(files);
  cleanup.push(() => removeDir(c));
  return c;
}

d('FROM an image the store lacks', () => {
  it('an unmodified FROM busybox Dockerfile builds through the docker.io mirror (CLI), then builds again offline', async () => {
    const t = await fresh();
    const c = ctx({ Dockerfile: 'FROM busybox\nRUN echo built > /out.txt\n' });
    const r = runTsbuild(['build', '--root', t.root, '--progress', 'plain', '--network', 'none', '-t', 'app:1', c], { env });
    expect(r.stderr).toContain('Pull complete');
    expect(r.code).toBe(0);
    const img = (await t.store.getImage('app:1'))!;
    expect(img.config.rootfs.diff_ids[0]).toBe(base.config.rootfs.diff_ids[0]);
    expect((await t.store.getImage('busybox:latest'))?.manifestDigest).toBe(base.manifestDigest);
    expect(await t.store.fsck()).toEqual([]);
    // the base is in the store now: a rebuild asks no registry (none is configured)
    const again = runTsbuild(['build', '--root', t.root, '--progress', 'plain', '--network', 'none', '-t', 'app:1', c], { env: { ...env, TSBUILD_CONFIG: '/nonexistent' } });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('CACHED');
  });

  it('without the mirror an unknown image is E_IMAGE_NOT_FOUND naming it and the registry answer', async () => {
    const t = await fresh();
    const r = runTsbuild(['build', '--root', t.root, '--progress', 'plain', c2(`FROM ${reg.host}/nothing/here:1\n`)], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`image ${reg.host}/nothing/here:1 is not in the store and could not be pulled`);
    expect(r.stderr).toContain('answered 404');
    expect(r.stderr).toContain('[E_IMAGE_NOT_FOUND]');
  });

  it('--pull sees a moved tag (the base changes, the step reruns); without --pull the stored one is used', async () => {
    const t = await fresh();
    const name = `${reg.host}/moving/base:1`;
    await pushImage(seed.store as Store, 'busybox:latest', { target: name, env });
    const c = ctx({ Dockerfile: `FROM ${name}\nRUN echo x > /x\n` });
    const b1 = await build({ context: c, store: t.store, network: 'none', registry: { env } });
    // move the tag: the same layer under a new config
    const moved = await seed.store.putImage({ ...base.config, config: { ...base.config.config, Env: [...(base.config.config.Env ?? []), 'MOVED=1'] } }, base.layers);
    await seed.store.tag('moved:1', moved.manifestDigest);
    await pushImage(seed.store as Store, 'moved:1', { target: name, env });
    const b2 = await build({ context: c, store: t.store, network: 'none', registry: { env } });
    expect(b2.steps.find((s) => s.instruction.startsWith('RUN'))?.cached).toBe(true);
    expect(b2.config.config.Env).not.toContain('MOVED=1');
    const b3 = await build({ context: c, store: t.store, network: 'none', registry: { env }, pull: true });
    expect(b3.config.config.Env).toContain('MOVED=1');
    expect(b3.steps.find((s) => s.instruction.startsWith('RUN'))?.cached).toBe(false);
    expect(b3.imageDigest).not.toBe(b1.imageDigest);
    // and --pull again with the tag unmoved: cached
    const b4 = await build({ context: c, store: t.store, network: 'none', registry: { env }, pull: true });
    expect(b4.steps.find((s) => s.instruction.startsWith('RUN'))?.cached).toBe(true);
  });
});

function c2(dockerfile: string): string {
  return ctx({ Dockerfile: dockerfile });
}

d('--push and -o type=registry', () => {
  it('build --push: the registry serves the very manifest the store holds', async () => {
    const t = await fresh();
    const name = `${reg.host}/pushed/app:1`;
    const r = runTsbuild(['build', '--root', t.root, '--progress', 'plain', '--push', '-t', name, c2('FROM busybox\nLABEL pushed=yes\n')], { env });
    expect(r.code).toBe(0);
    const local = (await t.store.getImage(name))!;
    const raw = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${name}`]);
    expect(sha256(raw)).toBe(local.manifestDigest);
  });

  it('-o type=registry,name=… pushes under that name', async () => {
    const t = await fresh();
    const name = `${reg.host}/pushed/other:2`;
    await build({ context: c2('FROM busybox\nLABEL o=1\n'), store: t.store, registry: { env }, outputs: [{ type: 'registry', names: [name] }] });
    const res = await fetch(`http://${reg.host}/v2/pushed/other/manifests/2`, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    expect(res.status).toBe(200);
  });

  it('--push without a name is E_USAGE before building', async () => {
    const t = await fresh();
    await expect(build({ context: c2('FROM busybox\n'), store: t.store, push: true })).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});

d('registry cache: store roots as CI runners', () => {
  const dockerfile = [
    'FROM busybox AS side',
    'RUN head -c 200000 /dev/urandom > /side.bin',
    'FROM busybox',
    'RUN head -c 300000 /dev/urandom > /a.bin',
    'COPY --from=side /side.bin /copied.bin',
    'RUN echo done > /done.txt',
    '',
  ].join('\n');
  let cacheRef: string;
  let b1: Awaited<ReturnType<typeof build>>;
  let context: string;
  beforeAll(async () => {
    if (!hasRegistry) return;
    cacheRef = `${reg.host}/ci/cache:main`;
    context = c2(dockerfile);
    const runner1 = await fresh();
    b1 = await build({ context, store: runner1.store, network: 'none', registry: { env }, cacheTo: [{ type: 'registry', ref: cacheRef, mode: 'max' }] });
    expect(b1.steps.filter((s) => s.instruction.startsWith('RUN') && !s.cached)).toHaveLength(3);
  });
  const transfers = (events: BuildEvent[], action: 'pull' | 'push') => events.filter((e): e is TransferEvent => e.type === 'transfer' && e.action === action);

  it('runner 2, empty: every step CACHED, only the final image\'s layers downloaded (not the side stage\'s)', async () => {
    const runner2 = await fresh();
    const events: BuildEvent[] = [];
    const b2 = await build({ context, store: runner2.store, network: 'none', registry: { env }, cacheFrom: [{ type: 'registry', ref: cacheRef }], tags: ['app:ci'], onEvent: (e) => events.push(e) });
    const work = b2.steps.filter((s) => /^(RUN|COPY)/.test(s.instruction));
    expect(work.length).toBe(4);
    expect(work.every((s) => s.cached)).toBe(true);
    expect(b2.imageDigest).toBe(b1.imageDigest);
    const fromCache = transfers(events, 'pull').filter((e) => e.status === 'done' && e.ref === cacheRef).map((e) => e.digest);
    const own = b2.image.layers.slice(1).map((l) => l.digest); // the base comes from the mirror
    expect([...fromCache].sort()).toEqual([...own].sort());
    expect(transfers(events, 'pull').some((e) => e.status === 'done' && e.digest === b2.image.layers[0]!.digest && e.ref === 'busybox:latest')).toBe(true);
    const sideLayer = b1.steps.find((s) => s.name.includes('[side 2/2]'))?.layer;
    expect(sideLayer).toBeDefined();
    expect(await runner2.store.hasBlob(sideLayer!)).toBe(false);
    expect((await runner2.store.getImage('app:ci'))?.manifestDigest).toBe(b1.imageDigest);
    expect(await runner2.store.fsck()).toEqual([]);
    // the records whose layers arrived are the runner's own now: a rebuild without the registry
    // cache hits them (the side stage's record stayed remote, its layer never came: that stage reruns)
    const again = await build({ context, store: runner2.store, network: 'none', registry: { env } });
    expect(again.steps.find((s) => s.instruction.startsWith('RUN head -c 300000'))?.cached).toBe(true);
    expect(again.steps.find((s) => s.instruction.startsWith('RUN head -c 200000'))?.cached).toBe(false);
  });

  it('the local layout and the registry get the same cache artifact: one manifest, byte for byte', async () => {
    const runner = await fresh();
    const dest = mkdtempSync(join(STORE_TMP, 'cache-both-'));
    cleanup.push(() => rmSync(dest, { recursive: true, force: true }));
    const ref = `${reg.host}/ci/cache:both`;
    await build({ context, store: runner.store, network: 'none', registry: { env }, cacheTo: [{ type: 'registry', ref, mode: 'max', ignoreError: false }, { type: 'local', dest, mode: 'max', ignoreError: false }] });
    const local = (JSON.parse(readFileSync(join(dest, 'index.json'), 'utf8')) as { manifests: { digest: string }[] }).manifests[0]!.digest;
    const res = await fetch(`http://${reg.host}/v2/ci/cache/manifests/both`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const remote = sha256(Buffer.from(await res.arrayBuffer()));
    expect(remote).toBe(local);
    const manifest = JSON.parse(readFileSync(join(dest, 'blobs', 'sha256', local.slice(7)), 'utf8')) as { layers: { mediaType: string }[] };
    expect(manifest.layers.filter((l) => l.mediaType.includes('tsbuild')).length).toBeGreaterThan(0);
  });

  it('runner 3, empty, with --push to the same registry: layers mounted from the cache, none downloaded', async () => {
    const runner3 = await fresh();
    const events: BuildEvent[] = [];
    const target = `${reg.host}/ci/app:1`;
    const b3 = await build({ context, store: runner3.store, network: 'none', registry: { env }, cacheFrom: [{ type: 'registry', ref: cacheRef }], tags: [target], push: true, onEvent: (e) => events.push(e) });
    expect(b3.steps.filter((s) => /^(RUN|COPY)/.test(s.instruction)).every((s) => s.cached)).toBe(true);
    expect(transfers(events, 'pull').filter((e) => e.status === 'done' && e.ref === cacheRef)).toEqual([]);
    const mounted = transfers(events, 'push').filter((e) => e.status === 'mounted').map((e) => e.digest);
    for (const l of b3.image.layers.slice(1)) expect(mounted).toContain(l.digest);
    expect(events.some((e) => e.type === 'info' && e.message.includes('not tagged in the store'))).toBe(true);
    expect(await runner3.store.fsck()).toEqual([]);
    // what was pushed is complete: another store pulls it and gets the same image
    const check = await fresh();
    const pulled = await pullImage(check.store as Store, target, { env });
    expect(pulled.record.manifestDigest).toBe(b3.imageDigest);
  });
});
