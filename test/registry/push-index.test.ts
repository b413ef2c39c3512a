/**
 * Pushing a multi-platform image (an OCI image index) to a real registry (Debian's docker-registry
 * on 127.0.0.1), as buildx does: every platform's blobs and manifest by digest, then the index's
 * exact bytes under the tag. Read back by the registry's own API, skopeo (`inspect --raw`,
 * `copy --all`), docker (`pull` picks this host's image) and `tsbuild pull --platform`.
 * The Dockerfile has only COPY/ENV, so no step runs and no QEMU is needed: the arm64 base is
 * Debian's busybox-static:arm64 (test/helpers/foreign-busybox.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MEDIA, pushImage, sha256, type Descriptor, type Digest, type Store } from '@tsbuild/layerstore';
import { foreignBusyboxUnavailable, importBusyboxIndex } from '../helpers/foreign-busybox.js';
import { STORE_TMP, tempStore, type TempStore } from '../helpers/store.js';
import { runTsbuild } from '../helpers/cli.js';
import { DOCKER, ensureDockerd } from '../helpers/docker.js';
import { makeContext, removeDir } from '../build/helpers.js';
import { hasRegistry, startFaultProxy, startRegistry, type FaultProxy, type RunningRegistry } from './servers.js';

const unavailable = !hasRegistry ? '/usr/bin/docker-registry is not installed (apt-get install docker-registry)' : process.arch !== 'x64' ? 'these tests assume an x86_64 host (arm64 is the foreign platform)' : foreignBusyboxUnavailable('arm64');
if (unavailable) console.warn(`index push tests skipped: ${unavailable}`);

const DOCKERFILE = 'FROM busybox-two\nARG TARGETARCH\nCOPY $TARGETARCH.txt /picked\nENV PICKED=$TARGETARCH\n';
const PLATFORMS = 'linux/amd64,linux/arm64';

let reg: RunningRegistry;
let t: TempStore;
let ctx: string;
let dir: string;
let env: Record<string, string>;
const stores: TempStore[] = [];
const proxies: FaultProxy[] = [];

/** A registry manifest GET as a client that accepts indexes: status, content type, digest header, exact bytes. */
async function getManifest(host: string, repo: string, reference: string): Promise<{ status: number; type: string | null; digest: string | null; bytes: Buffer }> {
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${reference}`, { headers: { accept: [MEDIA.ociIndex, MEDIA.ociManifest, MEDIA.dockerManifestList, MEDIA.dockerManifest].join(', ') } });
  return { status: res.status, type: res.headers.get('content-type'), digest: res.headers.get('docker-content-digest'), bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Build the two-platform image with the installed bin; returns the index digest (--iidfile). */
function buildPush(extra: string[], envExtra: Record<string, string> = {}): Digest {
  const iid = join(dir, `iid-${Math.random().toString(16).slice(2)}`);
  const r = runTsbuild(['build', '--root', t.root, '--platform', PLATFORMS, '--iidfile', iid, ...extra, ctx], { env: { ...env, ...envExtra } });
  expect(r.stderr).not.toMatch(/E_[A-Z_]+\]/);
  expect(r.code).toBe(0);
  return readFileSync(iid, 'utf8').trim() as Digest;
}

describe.skipIf(unavailable)('pushing a multi-platform image index', () => {
  beforeAll(async () => {
    reg = await startRegistry();
    t = await tempStore('push-index-');
    await importBusyboxIndex(t.store, 'busybox-two', ['amd64', 'arm64']);
    ctx = makeContext({ Dockerfile: DOCKERFILE, 'amd64.txt': 'file for amd64\n', 'arm64.txt': 'file for arm64\n' });
    dir = mkdtempSync(join(STORE_TMP, 'push-index-env-'));
    env = { HOME: dir, DOCKER_CONFIG: join(dir, 'docker'), TSBUILD_CONFIG: join(dir, 'tsbuild.json') };
  }, 120_000);

  afterAll(async () => {
    for (const p of proxies) await p.stop();
    await reg?.stop();
    await t?.store.close?.();
    t?.cleanup();
    for (const s of stores) s.cleanup();
    if (ctx) removeDir(ctx);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('build --push: every platform by digest, then the index bytes under the tag; skopeo, tsbuild pull --platform and docker pull read it', async () => {
    const name = `${reg.host}/app`;
    const digest = buildPush(['--push', '-t', `${name}:1`]);
    const local = await t.store.readBlob(digest);
    const index = JSON.parse(local.toString()) as { mediaType: string; manifests: Descriptor[] };
    expect(index.mediaType).toBe(MEDIA.ociIndex);
    expect(index.manifests.map((m) => `${m.platform!.os}/${m.platform!.architecture}`)).toEqual(['linux/amd64', 'linux/arm64']);

    // the tag serves the store's index, byte for byte, with its media type and digest
    const top = await getManifest(reg.host, 'app', '1');
    expect(top.status).toBe(200);
    expect(top.type).toBe(MEDIA.ociIndex);
    expect(top.digest).toBe(digest);
    expect(top.bytes.equals(local)).toBe(true);
    // every entry is in the repository by digest, with the bytes the store has
    for (const m of index.manifests) {
      const child = await getManifest(reg.host, 'app', m.digest);
      expect(child.status).toBe(200);
      expect(child.type).toBe(MEDIA.ociManifest);
      expect(child.bytes.equals(await t.store.readBlob(m.digest))).toBe(true);
    }
    // the local tag names the same index (buildx --push without a registry cache keeps it too)
    expect(await (t.store as Store).resolve(`${name}:1`)).toBe(digest);

    // skopeo: the raw manifest is the same bytes; copy --all reads every platform and keeps the index digest
    const raw = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${name}:1`]);
    expect(raw.equals(local)).toBe(true);
    const oci = join(dir, 'oci-all');
    execFileSync('skopeo', ['--insecure-policy', 'copy', '-q', '--all', '--src-tls-verify=false', `docker://${name}:1`, `oci:${oci}`], { stdio: 'pipe' });
    const ociIndex = JSON.parse(readFileSync(join(oci, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    expect(ociIndex.manifests[0]!.digest).toBe(digest);
    for (const m of index.manifests) expect(readFileSync(join(oci, 'blobs/sha256', m.digest.slice(7))).equals(await t.store.readBlob(m.digest))).toBe(true);

    // tsbuild pull --platform picks each entry of the pushed index (no snapshot for one of them)
    for (const [arch, noSnapshot] of [['arm64', true], ['amd64', false]] as const) {
      const fresh = await tempStore('push-index-pull-');
      stores.push(fresh);
      const pulled = runTsbuild(['pull', '--root', fresh.root, '--platform', `linux/${arch}`, `${name}:1`], { env: { ...env, ...(noSnapshot ? { TSBUILD_NO_SNAPSHOT: '1' } : {}) } });
      expect(pulled.code).toBe(0);
      const img = (await fresh.store.getImage(`${name}:1`))!;
      expect(img.manifestDigest).toBe(index.manifests.find((m) => m.platform!.architecture === arch)!.digest);
      expect(img.config.architecture).toBe(arch);
      expect(img.config.config.Env).toContain(`PICKED=${arch}`);
    }

    // docker pulls this host's (amd64) image from the index and runs it
    const docker = await ensureDockerd();
    if (!docker.ok) return void console.warn(`docker pull check skipped: ${docker.reason}`);
    execFileSync(DOCKER, ['pull', '-q', `${name}:1`], { stdio: 'pipe' });
    try {
      const repoDigests = execFileSync(DOCKER, ['image', 'inspect', '-f', '{{.Architecture}} {{json .RepoDigests}}', `${name}:1`], { encoding: 'utf8' });
      expect(repoDigests).toContain('amd64 ');
      expect(repoDigests).toContain(`${name}@${digest}`);
      expect(execFileSync(DOCKER, ['run', '--rm', '--network=none', `${name}:1`, 'cat', '/picked'], { encoding: 'utf8' })).toBe('file for amd64\n');
    } finally {
      spawnSync(DOCKER, ['rmi', `${name}:1`], { stdio: 'ignore' });
    }
  }, 180_000);

  it('-o type=registry with several platforms pushes the index (no local tag); a re-push skips every blob, another repository mounts them', async () => {
    const name = `${reg.host}/team/reg`;
    const digest = buildPush(['-o', `type=registry,name=${name}:2`]);
    const top = await getManifest(reg.host, 'team/reg', '2');
    expect(top.status).toBe(200);
    expect(top.digest).toBe(digest);
    expect(top.bytes.equals(await t.store.readBlob(digest))).toBe(true);
    expect(await (t.store as Store).resolve(`${name}:2`)).toBeUndefined();

    // every blob of every platform, counted from the store: configs + layers, deduplicated
    const index = JSON.parse((await t.store.readBlob(digest)).toString()) as { manifests: Descriptor[] };
    const blobs = new Set<string>();
    for (const m of index.manifests) {
      const man = JSON.parse((await t.store.readBlob(m.digest)).toString()) as { config: Descriptor; layers: Descriptor[] };
      for (const b of [man.config, ...man.layers]) blobs.add(b.digest);
    }
    expect(blobs.size).toBe(6); // two configs, two busybox layers, two COPY layers

    const again = await pushImage(t.store as Store, digest, { target: `${name}:2`, env });
    expect(again).toMatchObject({ digest, manifests: 3, uploadedBlobs: 0, mountedBlobs: 0, existingBlobs: blobs.size });

    // tsbuild push of the store tag (the index) to another repository: every blob mounted, nothing uploaded
    await t.store.tag('multi:1', digest);
    const pushed = runTsbuild(['push', '--root', t.root, 'multi:1', `${reg.host}/other/copy:3`], { env });
    expect(pushed.code).toBe(0);
    expect(pushed.stdout).toContain(`${reg.host}/other/copy:3: digest: ${digest} size: ${top.bytes.length} (an index: 2 manifests pushed by digest before it) (0 uploaded, ${blobs.size} mounted, 0 already there)`);
    expect((await getManifest(reg.host, 'other/copy', '3')).bytes.equals(top.bytes)).toBe(true);
  }, 120_000);

  it('nothing is tagged in the registry unless every entry is in: a missing local entry fails before any request, a refused entry PUT leaves the tag absent', async () => {
    // an index naming a manifest the store does not have (as a pull leaves other platforms' entries)
    const amd = (await t.store.getImage('busybox-two', { platform: { os: 'linux', architecture: 'amd64' } }))!;
    const amdBytes = await t.store.readBlob(amd.manifestDigest);
    const ghost = sha256(Buffer.from('not a manifest in this store'));
    const partial = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [
      { mediaType: MEDIA.ociManifest, digest: amd.manifestDigest, size: amdBytes.length, platform: { os: 'linux', architecture: 'amd64' } },
      { mediaType: MEDIA.ociManifest, digest: ghost, size: 500, platform: { os: 'linux', architecture: 'arm64' } },
    ] }));
    await t.store.writeBlob(partial, { expected: sha256(partial) });
    await t.store.tag('partial:1', sha256(partial));
    const cli = runTsbuild(['push', '--root', t.root, 'partial:1', `${reg.host}/partial/app:1`], { env });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(`partial:1: manifest ${ghost} named by its index is not in the store`);
    expect(cli.stderr).toContain('E_NOT_FOUND');
    expect((await getManifest(reg.host, 'partial/app', '1')).status).toBe(404);
    const blobHead = await fetch(`http://${reg.host}/v2/partial/app/blobs/${amd.configDigest}`, { method: 'HEAD' });
    expect(blobHead.status).toBe(404); // checked before the registry was asked anything

    // the registry refuses one entry's manifest PUT: the push fails and the tag never appears
    const digest = (await (t.store as Store).resolve('busybox-two'))!;
    const index = JSON.parse((await t.store.readBlob(digest)).toString()) as { manifests: Descriptor[] };
    const arm = index.manifests.find((m) => m.platform!.architecture === 'arm64')!.digest;
    const proxy = await startFaultProxy(reg.host, (req) => (req.method === 'PUT' && req.url === `/v2/atomic/app/manifests/${arm}` ? 'status-500' : 'pass'));
    proxies.push(proxy);
    const cfg = join(dir, 'proxy.json');
    writeFileSync(cfg, JSON.stringify({ registry: { [proxy.host]: { http: true } } }));
    const err = await pushImage(t.store as Store, 'busybox-two', { target: `${proxy.host}/atomic/app:1`, env: { ...env, TSBUILD_CONFIG: cfg }, attempts: 1, retryBaseMs: 1 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_REGISTRY' });
    expect(proxy.log).toContain(`PUT /v2/atomic/app/manifests/${arm}`);
    expect(proxy.log.some((l) => l.startsWith('PUT /v2/atomic/app/manifests/1'))).toBe(false);
    expect((await getManifest(reg.host, 'atomic/app', '1')).status).toBe(404);
  }, 120_000);
});
