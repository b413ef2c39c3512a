/**
 * Pull and push against a real plain-HTTP registry (Debian's docker-registry on 127.0.0.1):
 * round trip, dedup, by tag / by digest / from a multi-platform index, cross-repository mounts,
 * re-push skipping every blob, and the registry's refusals as one-line errors naming the reference.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { packTar } from '@tsbuild/layerstore/tar';
import { join } from 'node:path';
import { pullImage, pushImage, type Store, type TransferEvent, MEDIA, sha256 } from '@tsbuild/layerstore';
import { importBusybox, STORE_TMP, tempStore, type TempStore } from '../helpers/store.js';
import { hasRegistry, startRegistry, type RunningRegistry } from './servers.js';

const d = describe.skipIf(!hasRegistry);
if (!hasRegistry) console.warn('skipping registry tests: /usr/bin/docker-registry is not installed (apt-get install docker-registry)');

let reg: RunningRegistry;
let src: TempStore;
let envDir: string;
let env: Record<string, string>;
const stores: TempStore[] = [];
async function fresh(): Promise<TempStore> {
  const t = await tempStore('pull-');
  stores.push(t);
  return t;
}
const store = (t: TempStore) => t.store as Store;

beforeAll(async () => {
  if (!hasRegistry) return;
  reg = await startRegistry();
  src = await tempStore('push-');
  await importBusybox(src.store, { names: ['busybox:latest'] });
  envDir = mkdtempSync(join(STORE_TMP, 'env-'));
  env = { HOME: envDir, DOCKER_CONFIG: join(envDir, 'docker'), TSBUILD_CONFIG: join(envDir, 'tsbuild.json') };
});
afterAll(async () => {
  await reg?.stop();
  src?.cleanup();
  for (const t of stores) t.cleanup();
  if (envDir) rmSync(envDir, { recursive: true, force: true });
});

d('push then pull, plain HTTP', () => {
  it('round trip: same manifest digest, config and layers; fsck clean; the tag is written', async () => {
    const pushed = await pushImage(store(src), 'busybox:latest', { target: `${reg.host}/lib/busybox:1`, env });
    const local = await src.store.getImage('busybox:latest');
    expect(pushed.digest).toBe(local!.manifestDigest);
    expect(pushed.uploadedBlobs).toBe(2);

    const t = await fresh();
    const events: TransferEvent[] = [];
    const r = await pullImage(store(t), `${reg.host}/lib/busybox:1`, { env, onProgress: (e) => events.push(e) });
    expect(r.record.manifestDigest).toBe(local!.manifestDigest);
    expect(r.record.configDigest).toBe(local!.configDigest);
    expect(r.name).toBe(`${reg.host}/lib/busybox:1`);
    expect(r.downloadedBlobs).toBe(2);
    expect((await t.store.getImage(`${reg.host}/lib/busybox:1`))?.manifestDigest).toBe(local!.manifestDigest);
    expect(await t.store.fsck()).toEqual([]);
    // the layer bytes are the store's own
    expect(execFileSync('sha256sum', [t.store.blobPath(local!.layers[0]!.digest)], { encoding: 'utf8' }).split(' ')[0]).toBe(local!.layers[0]!.digest.slice(7));
    expect(events.some((e) => e.kind === 'layer' && e.status === 'done' && e.action === 'pull')).toBe(true);

    // where the blobs came from is remembered (cross-repository mounts on push) until they are pruned
    expect(readFileSync(join(t.root, 'sources', local!.layers[0]!.digest.slice(7)), 'utf8')).toBe(`${reg.host}/lib/busybox\n`);

    // a second pull downloads nothing: every blob is in the store
    const again = await pullImage(store(t), `${reg.host}/lib/busybox:1`, { env });
    expect(again.downloadedBlobs).toBe(0);
    expect(again.reusedBlobs).toBe(2);
  });

  it('prune drops the source hints of the blobs it removes', async () => {
    const t = await fresh();
    const r = await pullImage(store(t), `${reg.host}/lib/busybox:1`, { env });
    expect(readdirSync(join(t.root, 'sources'))).toHaveLength(2);
    await t.store.untag(r.name!);
    await t.store.close();
    await t.store.gc();
    expect(readdirSync(join(t.root, 'sources'))).toEqual([]);
    expect(await t.store.fsck()).toEqual([]);
  });

  it('by digest: verified, not tagged; name:tag@digest too', async () => {
    const local = (await src.store.getImage('busybox:latest'))!;
    const t = await fresh();
    const r = await pullImage(store(t), `${reg.host}/lib/busybox@${local.manifestDigest}`, { env });
    expect(r.record.manifestDigest).toBe(local.manifestDigest);
    expect(r.name).toBeUndefined();
    const r2 = await pullImage(store(t), `${reg.host}/lib/busybox:nosuchtag@${local.manifestDigest}`, { env });
    expect(r2.record.manifestDigest).toBe(local.manifestDigest);
  });

  it('re-push skips every blob; push to a new repository mounts them across repositories', async () => {
    const again = await pushImage(store(src), 'busybox:latest', { target: `${reg.host}/lib/busybox:1`, env });
    expect(again).toMatchObject({ uploadedBlobs: 0, mountedBlobs: 0, existingBlobs: 2 });
    const other = await pushImage(store(src), 'busybox:latest', { target: `${reg.host}/other/copy:2`, env });
    expect(other).toMatchObject({ uploadedBlobs: 0, mountedBlobs: 2 });
    const t = await fresh();
    expect((await pullImage(store(t), `${reg.host}/other/copy:2`, { env })).record.manifestDigest).toBe(again.digest);
  });

  it('chunked upload of a blob larger than chunkSize', async () => {
    // a layer no repository has yet: 300 kB of random bytes, uploaded in 64 kB chunks
    const layer = await src.store.writeLayer(Readable.from([packTar([{ header: { name: 'rand.bin', mode: 0o644 }, body: randomBytes(300_000) }])]));
    const base = (await src.store.getImage('busybox:latest'))!;
    const img = await src.store.putImage({ ...base.config, rootfs: { type: 'layers', diff_ids: [...base.config.rootfs.diff_ids, layer.diffID] } }, [...base.layers, layer]);
    await src.store.tag('chunky:1', img.manifestDigest);
    const r = await pushImage(store(src), 'chunky:1', { target: `${reg.host}/chunked/bb:1`, env, chunkSize: 64 << 10 });
    expect(r).toMatchObject({ uploadedBlobs: 2, mountedBlobs: 1 }); // config + the new layer; busybox's layer mounted
    const t = await fresh();
    expect((await pullImage(store(t), `${reg.host}/chunked/bb:1`, { env })).record.manifestDigest).toBe(r.digest);
    expect(await t.store.fsck()).toEqual([]);
  });

  it('from an index of several platforms: the host platform is picked; a missing platform is E_PLATFORM', async () => {
    const local = (await src.store.getImage('busybox:latest'))!;
    // a second, real image for another architecture: the same layer under an arm64 config
    const armCfg = { ...local.config, architecture: 'arm64', variant: 'v8' };
    const arm = await src.store.putImage(armCfg, local.layers);
    await src.store.tag('busybox-arm64:1', arm.manifestDigest);
    await pushImage(store(src), 'busybox-arm64:1', { target: `${reg.host}/multi/bb:arm64`, env });
    await pushImage(store(src), 'busybox:latest', { target: `${reg.host}/multi/bb:amd64`, env });
    const desc = async (rec: { manifestDigest: string }, platform: object) => ({ mediaType: MEDIA.ociManifest, digest: rec.manifestDigest, size: (await src.store.readBlob(rec.manifestDigest as `sha256:${string}`)).length, platform });
    const host = process.arch === 'arm64' ? 'arm64' : 'amd64';
    const index = { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [await desc(arm, { os: 'linux', architecture: 'arm64', variant: 'v8' }), await desc(local, { os: 'linux', architecture: 'amd64' })] };
    const bytes = Buffer.from(JSON.stringify(index));
    const res = await fetch(`http://${reg.host}/v2/multi/bb/manifests/latest`, { method: 'PUT', headers: { 'content-type': MEDIA.ociIndex }, body: bytes });
    expect(res.status).toBe(201);

    const t = await fresh();
    const r = await pullImage(store(t), `${reg.host}/multi/bb`, { env });
    expect(r.resolvedDigest).toBe(sha256(bytes));
    expect(r.record.config.architecture).toBe(host);
    expect(r.record.manifestDigest).toBe(host === 'amd64' ? local.manifestDigest : arm.manifestDigest);

    const err = await pullImage(store(t), `${reg.host}/multi/bb`, { env, platform: { os: 'linux', architecture: 's390x' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_PLATFORM' });
    expect((err as Error).message).toMatch(new RegExp(`^${reg.host}/multi/bb:latest: no manifest for platform linux/s390x .*linux/arm64/v8, linux/amd64`));
  });
});

d('bad input: one error naming the reference and what the registry answered', () => {
  it('unknown repository and unknown tag → E_REGISTRY_NOT_FOUND', async () => {
    const t = await fresh();
    const e1 = (await pullImage(store(t), `${reg.host}/nope/nothing:1`, { env }).catch((e: unknown) => e)) as Error & { code: string };
    expect(e1.code).toBe('E_REGISTRY_NOT_FOUND');
    expect(e1.message).toBe(`${reg.host}/nope/nothing:1: manifest 1: ${reg.host} answered 404 (MANIFEST_UNKNOWN: manifest unknown)`);
    const e2 = (await pullImage(store(t), `${reg.host}/lib/busybox:nosuch`, { env }).catch((e: unknown) => e)) as Error & { code: string };
    expect(e2.code).toBe('E_REGISTRY_NOT_FOUND');
    expect(e2.message).toContain(`${reg.host}/lib/busybox:nosuch: manifest nosuch: ${reg.host} answered 404 (MANIFEST_UNKNOWN: manifest unknown`);
    expect((await t.store.listImages()).map((i) => i.name)).toEqual([]);
  });

  it('an invalid reference fails before any request', async () => {
    const t = await fresh();
    await expect(pullImage(store(t), `${reg.host}/Bad/Name`, { env })).rejects.toMatchObject({ code: 'E_INVALID_REFERENCE' });
  });
});

d('what tsbuild pushes, other tools pull back unchanged', () => {
  const hasSkopeo = spawnSync('skopeo', ['--version']).status === 0;
  it.skipIf(!hasSkopeo)('skopeo inspect --raw gives the same manifest bytes; skopeo copy verifies every blob', async () => {
    const local = (await src.store.getImage('busybox:latest'))!;
    const raw = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/lib/busybox:1`]);
    expect(sha256(raw)).toBe(local.manifestDigest);
    const out = mkdtempSync(join(STORE_TMP, 'skopeo-'));
    try {
      execFileSync('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${reg.host}/lib/busybox:1`, `oci:${out}:bb`], { stdio: 'pipe' });
      expect(sha256(readFileSync(join(out, 'blobs/sha256', local.layers[0]!.digest.slice(7))))).toBe(local.layers[0]!.digest);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  const hasDocker = spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!hasDocker)('docker pull gets the same image (config digest = image id)', async () => {
    const local = (await src.store.getImage('busybox:latest'))!;
    const name = `${reg.host}/lib/busybox:1`;
    try {
      execFileSync('docker', ['pull', '-q', name], { stdio: 'pipe' });
      const id = execFileSync('docker', ['image', 'inspect', '-f', '{{.Id}}', name], { encoding: 'utf8' }).trim();
      expect(id).toBe(local.configDigest);
    } finally {
      spawnSync('docker', ['rmi', '-f', name], { stdio: 'ignore' });
    }
  });
});
