/**
 * Pulls through a fault-injecting proxy in front of a real registry: connection reset mid-blob,
 * 500, 429 with Retry-After, bytes that do not match the digest, a registry that stops answering,
 * a server that ignores Range, and kill -9 in the middle of a pull. Each pull either retries and
 * succeeds or fails with a clear error; afterwards fsck is clean and nothing partial is visible.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { packTar } from '@tsbuild/layerstore/tar';
import { pullImage, pushImage, type ImageRecord, type Store } from '@tsbuild/layerstore';
import { importBusybox, STORE_TMP, tempStore, type TempStore } from '../helpers/store.js';
import { TSBUILD_BIN } from '../helpers/cli.js';
import { hasRegistry, startFaultProxy, startRegistry, type Fault, type FaultProxy, type RunningRegistry } from './servers.js';

const d = describe.skipIf(!hasRegistry);
const cleanup: (() => unknown)[] = [];
let reg: RunningRegistry;
let image: ImageRecord;
let bigLayer: string;
let envDir: string;

beforeAll(async () => {
  if (!hasRegistry) return;
  reg = await startRegistry();
  cleanup.push(() => reg.stop());
  const src = await tempStore('fsrc-');
  cleanup.push(() => src.cleanup());
  const base = await importBusybox(src.store, { names: ['busybox:latest'] });
  // a 4 MB layer of random bytes: big enough to be cut in the middle
  const layer = await src.store.writeLayer(Readable.from([packTar([{ header: { name: 'big.bin', mode: 0o644 }, body: randomBytes(4 << 20) }])]));
  image = await src.store.putImage({ ...base.config, rootfs: { type: 'layers', diff_ids: [...base.config.rootfs.diff_ids, layer.diffID] } }, [...base.layers, layer]);
  await src.store.tag('big:1', image.manifestDigest);
  bigLayer = layer.digest;
  envDir = mkdtempSync(join(STORE_TMP, 'fenv-'));
  cleanup.push(() => rmSync(envDir, { recursive: true, force: true }));
  await pushImage(src.store as Store, 'big:1', { target: `${reg.host}/f/big:1`, env: { HOME: envDir } });
});
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function proxy(plan: (path: string, n: number, method: string) => Fault): Promise<{ p: FaultProxy; env: Record<string, string> }> {
  const p = await startFaultProxy(reg.host, (req, n) => plan(req.url ?? '', n, req.method ?? 'GET'));
  cleanup.push(() => p.stop());
  const cfg = join(envDir, `cfg-${p.host.split(':')[1]}.json`);
  writeFileSync(cfg, JSON.stringify({ registry: { [p.host]: { http: true } } }));
  return { p, env: { HOME: envDir, TSBUILD_CONFIG: cfg } };
}

/** `tsbuild ARGS` without blocking this process's event loop (the proxy answers from it). */
function runAsync(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(TSBUILD_BIN, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    c.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    c.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function fresh(): Promise<TempStore> {
  const t = await tempStore('fault-');
  cleanup.push(() => t.cleanup());
  return t;
}

/** fsck clean, no temp file of a pull left, and (when failed) neither the tag nor the blob visible. */
async function expectConsistent(t: TempStore, opts: { tag?: string; absentBlob?: string } = {}): Promise<void> {
  expect(await t.store.fsck()).toEqual([]);
  expect(readdirSync(join(t.root, 'tmp')).filter((f) => f.startsWith('pull-'))).toEqual([]);
  if (opts.tag) expect(await t.store.getImage(opts.tag)).toBeUndefined();
  if (opts.absentBlob) expect(await t.store.hasBlob(opts.absentBlob as `sha256:${string}`)).toBe(false);
}

d('transient faults: retried, and the pull succeeds', () => {
  it('connection reset in the middle of a blob: the rest is fetched with Range', async () => {
    const { p, env } = await proxy((path, n) => (path.endsWith(bigLayer) && n === 1 ? 'reset-mid-body' : 'pass'));
    const t = await fresh();
    const r = await pullImage(t.store as Store, `${p.host}/f/big:1`, { env, retryBaseMs: 10 });
    expect(r.record.manifestDigest).toBe(image.manifestDigest);
    expect(p.log.some((l) => l.includes(bigLayer) && /bytes=\d+-/.test(l))).toBe(true);
    // only the missing half crossed the wire again
    expect(r.downloadedBytes).toBeLessThan(image.layers.reduce((n, l) => n + l.size, 0) + image.manifest.config.size + 1000);
    await expectConsistent(t);
  });

  it('a server that ignores Range after a reset: the blob starts over and still verifies', async () => {
    const { p, env } = await proxy((path, n) => (path.endsWith(bigLayer) ? (n === 1 ? 'reset-mid-body' : 'no-range') : 'pass'));
    const t = await fresh();
    const r = await pullImage(t.store as Store, `${p.host}/f/big:1`, { env, retryBaseMs: 10 });
    expect(r.record.layers.map((l) => l.digest)).toContain(bigLayer);
    await expectConsistent(t);
  });

  it('500 on the manifest, then success', async () => {
    const { p, env } = await proxy((path, n) => (path.includes('/manifests/') && n <= 2 ? 'status-500' : 'pass'));
    const t = await fresh();
    const r = await pullImage(t.store as Store, `${p.host}/f/big:1`, { env, retryBaseMs: 10 });
    expect(r.record.manifestDigest).toBe(image.manifestDigest);
    expect(p.log.filter((l) => l.includes('/manifests/1'))).toHaveLength(3);
    await expectConsistent(t);
  });

  it('429 with Retry-After: 1 is honoured', async () => {
    const { p, env } = await proxy((path, n) => (path.endsWith(bigLayer) && n === 1 ? 'status-429' : 'pass'));
    const t = await fresh();
    const t0 = Date.now();
    await pullImage(t.store as Store, `${p.host}/f/big:1`, { env, retryBaseMs: 10 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    await expectConsistent(t);
  });
});

d('push through faults', () => {
  it('500 on a blob upload and on the manifest PUT: retried, the registry ends with the exact image', async () => {
    // each upload session has its own URL: fail the first blob PUT of all, and the first manifest PUT
    let blobPuts = 0;
    const { p, env } = await proxy((path, n, method) => {
      if (method === 'PUT' && path.includes('/blobs/uploads/')) return ++blobPuts === 1 ? 'status-500' : 'pass';
      return method === 'PUT' && path.includes('/manifests/') && n === 1 ? 'status-500' : 'pass';
    });
    const src = await fresh();
    await pullImage(src.store as Store, `${reg.host}/f/big:1`, { env: { HOME: envDir } });
    const r = await pushImage(src.store as Store, `${reg.host}/f/big:1`, { target: `${p.host}/f/pushed:1`, env, retryBaseMs: 10 });
    expect(r.digest).toBe(image.manifestDigest);
    expect(p.log.filter((l) => l.startsWith('PUT') && l.includes('/manifests/'))).toHaveLength(2);
    expect(r.uploadedBlobs).toBe(3);
    expect(p.log.filter((l) => l.startsWith('PUT') && l.includes('/blobs/uploads/'))).toHaveLength(4); // 3 blobs + the retried one
    const check = await fresh();
    expect((await pullImage(check.store as Store, `${reg.host}/f/pushed:1`, { env: { HOME: envDir } })).record.manifestDigest).toBe(image.manifestDigest);
  });
});

d('faults that fail the pull clearly, leaving nothing partial', () => {
  it('bytes that do not match the digest: E_INTEGRITY naming the reference; no blob, no tag', async () => {
    const { p, env } = await proxy((path) => (path.endsWith(bigLayer) ? 'corrupt' : 'pass'));
    const t = await fresh();
    const err = (await pullImage(t.store as Store, `${p.host}/f/big:1`, { env, retryBaseMs: 10 }).catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('E_INTEGRITY');
    expect(err.message).toContain(`${p.host}/f/big:1: blob from ${p.host} hashes to sha256:`);
    expect(err.message).toContain(`not ${bigLayer}`);
    await expectConsistent(t, { tag: `${p.host}/f/big:1`, absentBlob: bigLayer });
  });

  it('a registry that stops answering: E_REGISTRY_UNREACHABLE after the retries; no tag', async () => {
    const { p, env } = await proxy((path) => (path.endsWith(bigLayer) ? 'hang' : 'pass'));
    const t = await fresh();
    const err = (await pullImage(t.store as Store, `${p.host}/f/big:1`, { env, retryBaseMs: 10, timeoutMs: 300, attempts: 2 }).catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('E_REGISTRY_UNREACHABLE');
    expect(err.message).toMatch(new RegExp(`^${p.host}/f/big:1: cannot reach ${p.host}: no answer from ${p.host} for 300 ms`));
    await expectConsistent(t, { tag: `${p.host}/f/big:1`, absentBlob: bigLayer });
  });

  it('through the CLI: one error line, exit 1', async () => {
    const { p, env } = await proxy((path) => (path.endsWith(bigLayer) ? 'corrupt' : 'pass'));
    const t = await fresh();
    const r = await runAsync(['pull', '--root', t.root, `${p.host}/f/big:1`], env);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
    expect(r.stderr).toContain('[E_INTEGRITY]');
  });
});

d('what a registry answers that is not an image: E_FORMAT naming the reference', () => {
  it.each([
    ['a malformed manifest', '{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "layers": [', 'application/vnd.oci.image.manifest.v1+json', 'is not valid JSON'],
    ['a manifest without a config', '{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "layers": []}', 'application/vnd.oci.image.manifest.v1+json', 'manifest has no valid config descriptor'],
    ['an unsupported manifest media type', '{"schemaVersion": 1}', 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'unsupported manifest media type application/vnd.docker.distribution.manifest.v1+prettyjws'],
    ['an unsupported layer media type', JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'1'.repeat(64)}`, size: 2 }, layers: [{ mediaType: 'application/x-unknown', digest: `sha256:${'2'.repeat(64)}`, size: 2 }] }), 'application/vnd.oci.image.manifest.v1+json', 'unsupported layer media type application/x-unknown'],
  ])('%s', async (_what, body, contentType, message) => {
    const { p, env } = await proxy((path) => (path.includes('/manifests/') ? { body, contentType } : 'pass'));
    const t = await fresh();
    const r = await runAsync(['pull', '--root', t.root, `${p.host}/f/big:1`], env);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`${p.host}/f/big:1`);
    expect(lines[0]).toContain(message);
    expect(lines[0]).toContain('[E_FORMAT]');
    await expectConsistent(t, { tag: `${p.host}/f/big:1` });
  });
});

d('kill -9 during a pull', () => {
  it('the next pull finishes and reuses what was verified', async () => {
    // the big layer never arrives on the first run: the process is killed while waiting for it
    let run = 1;
    const { p, env } = await proxy((path) => (run === 1 && path.endsWith(bigLayer) ? 'hang' : 'pass'));
    const t = await fresh();
    const child = spawn(TSBUILD_BIN, ['pull', '--root', t.root, `${p.host}/f/big:1`], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const deadline = Date.now() + 15_000;
    // wait until the small blobs are committed (their "Pull complete" lines)
    while (!/Pull complete/.test(err) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(err).toMatch(/Pull complete/);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    run = 2;
    const r = await runAsync(['pull', '--root', t.root, `${p.host}/f/big:1`], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/blobs downloaded, [1-9]\d* already in the store/);
    expect((await t.store.getImage(`${p.host}/f/big:1`))?.manifestDigest).toBe(image.manifestDigest);
    expect(await t.store.fsck()).toEqual([]);
  });
});
