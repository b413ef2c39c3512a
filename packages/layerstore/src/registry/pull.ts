/**
 * pull: reference ─▶ manifest (an index picks the host platform) ─▶ config + layers into the store
 * ─▶ tag. Blobs already in the store are not downloaded (dedup by digest across registries and
 * repositories); the others download in parallel, each hashed as its bytes arrive into a temp
 * file on the store's filesystem and renamed under its digest only once size and digest match —
 * a mismatch, a crash or a kill leaves nothing visible. A broken transfer resumes with Range.
 */
import { createHash, type Hash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import pLimit from 'p-limit';
import type { Descriptor, Digest, ImageRecord, Manifest } from '../types.js';
import type { Store } from '../store.js';
import { commit } from '../content/write.js';
import { StoreError, integrityError, formatError } from '../errors.js';
import { isIndex, layerRefs, parseConfig, parseJson, parseManifest } from '../images/parse.js';
import { familiarName, familiarString, parseDockerRef, type ImageReference } from '../images/reference.js';
import { RegistryClient, type FetchedManifest } from './client.js';
import { TransportError } from './http.js';
import { recordSources } from './sources.js';
import { formatPlatform, hostPlatform, selectPlatform } from '../images/platform.js';
import type { BlobTransfer, Endpoint, RegistryOptions, TransferEvent } from './types.js';
import { sha256 } from '../digest.js';
import { retry } from './retry.js';
import { settleAll } from './settleAll.js';

export interface PullOptions extends RegistryOptions {
  /** reuse a client (its tokens and sockets) across pulls; otherwise one is made and closed */
  client?: RegistryClient;
  /** tag the image under the reference's name (default true when the reference has a tag) */
  tag?: boolean;
}

export interface PullResult {
  record: ImageRecord;
  /** the store tag written, if any (`busybox:latest`) */
  name?: string;
  /** the digest the reference resolved to (an index's, when the registry served one) */
  resolvedDigest: Digest;
  /** where the manifest came from (`127.0.0.1:5000`, a mirror) */
  host: string;
  downloadedBlobs: number;
  reusedBlobs: number;
  downloadedBytes: number;
}

export async function pullImage(store: Store, input: string, opts: PullOptions = {}): Promise<PullResult> {
  const ref = parseDockerRef(input);
  const display = familiarString(ref);
  const client = opts.client ?? new RegistryClient(opts);
  try {
    const top = await resolveManifest(client, ref, display);
    const ep = top.endpoint;
    let chosen: FetchedManifest = top;
    let index: FetchedManifest | undefined;
    const doc = parseJson<{ mediaType?: string; manifests?: Descriptor[] }>(top.bytes, `${display}: manifest`);
    if (isIndex(doc)) {
      index = top;
      if (!Array.isArray(doc.manifests)) throw formatError(`${display}: index from ${ep.host} has no manifests array`);
      const want = opts.platform ?? hostPlatform();
      const pick = selectPlatform(doc.manifests, want);
      if (!pick) {
        const have = doc.manifests.map((m) => (m.platform ? formatPlatform(m.platform) : 'unknown')).join(', ');
        throw new StoreError('E_PLATFORM', `${display}: no manifest for platform ${formatPlatform(want)} in the index from ${ep.host} (it has ${have || 'none'})`, { ref: display, platform: want });
      }
      chosen = await client.getManifest(ep, ref.path, pick.digest, display);
      if (isIndex(parseJson<{ mediaType?: string; manifests?: unknown }>(chosen.bytes, `${display}: manifest`))) throw formatError(`${display}: index entry ${pick.digest} is itself an index`);
    }
    let manifest: Manifest;
    try {
      manifest = parseManifest(chosen.bytes);
    } catch (err) {
      throw named(err, `${display}: manifest ${chosen.digest} from ${ep.host}`);
    }
    const stats = { downloadedBlobs: 0, reusedBlobs: 0, downloadedBytes: 0 };
    const progress = (e: Omit<TransferEvent, 'type' | 'action' | 'ref'>) => opts.onProgress?.({ type: 'transfer', action: 'pull', ref: display, ...e });
    const fetchOne = async (desc: Descriptor, kind: TransferEvent['kind']) => {
      if (await store.hasBlob(desc.digest)) {
        stats.reusedBlobs++;
        await store.lease([`blob ${desc.digest}`]);
        progress({ digest: desc.digest, kind, status: 'exists', current: desc.size, total: desc.size });
        return;
      }
      const n = await downloadBlob({ store, client, ep, repo: ref.path, display, progress: (e) => progress({ ...e, kind }), opts }, desc);
      stats.downloadedBlobs++;
      stats.downloadedBytes += n;
    };
    const limit = pLimit(Math.max(1, opts.concurrency ?? 4));
    const seen = new Set<string>();
    const jobs: Promise<void>[] = [limit(() => fetchOne(manifest.config, 'config'))];
    for (const l of manifest.layers) {
      if (seen.has(l.digest)) continue;
      seen.add(l.digest);
      progress({ digest: l.digest, kind: 'layer', status: 'waiting', current: 0, total: l.size });
      jobs.push(limit(() => fetchOne(l, 'layer')));
    }
    await settleAll(jobs);
    let config;
    let layers;
    try {
      config = parseConfig(await store.readBlob(manifest.config.digest));
      layers = layerRefs(manifest, config);
    } catch (err) {
      throw named(err, `${display}: image config ${manifest.config.digest}`);
    }
    // the manifests last: an image is visible in the store only once all it names is there
    if (index) await store.writeBlob(index.bytes, { expected: index.digest });
    await store.writeBlob(chosen.bytes, { expected: chosen.digest });
    const record: ImageRecord = { manifestDigest: chosen.digest, manifest, configDigest: manifest.config.digest, config, layers };
    if (!ep.mirror) recordSources(store.paths, [manifest.config.digest, ...manifest.layers.map((l) => l.digest)], `${ref.domain}/${ref.path}`);
    let name: string | undefined;
    if ((opts.tag ?? true) && ref.tag !== undefined) {
      name = `${familiarName(ref)}:${ref.tag}`;
      await store.tag(name, chosen.digest);
    }
    return { record, name, resolvedDigest: top.digest, host: ep.host, ...stats };
  } finally {
    if (!opts.client) client.close();
  }
}

/** The manifest a reference names, from the first endpoint (mirrors, then the registry) that has it. */
export async function resolveManifest(client: RegistryClient, ref: ImageReference, display: string): Promise<FetchedManifest> {
  const reference = ref.digest ?? ref.tag ?? 'latest';
  const errors: Error[] = [];
  for (const ep of client.endpoints(ref.domain, 'pull')) {
    try {
      return await client.getManifest(ep, ref.path, reference, display);
    } catch (err) {
      // a mirror that lacks the image or is down falls through to the next endpoint, as in containerd
      if (!ep.mirror || !(err instanceof StoreError) || !/^E_REGISTRY/.test(err.code)) throw withMirrors(err, errors);
      errors.push(err);
    }
  }
  throw errors[errors.length - 1] ?? new Error('no endpoint');
}

function withMirrors(err: unknown, mirrorErrors: Error[]): unknown {
  if (!mirrorErrors.length || !(err instanceof StoreError)) return err;
  return new StoreError(err.code, `${err.message} (mirrors: ${mirrorErrors.map((e) => e.message).join('; ')})`, err.data, { cause: err });
}

function named(err: unknown, prefix: string): unknown {
  if (err instanceof StoreError && !err.message.startsWith(prefix)) return new StoreError(err.code, `${prefix}: ${err.message}`, err.data, { cause: err });
  return err;
}

const FLUSH_BYTES = 1 << 20;
const WRITE_AHEAD = 8 << 20;

/**
 * One blob into the store: GET (Range from what is already written after a broken transfer),
 * hash while writing, verify size and digest, commit. Returns the bytes transferred.
 */
export async function downloadBlob(t: BlobTransfer, desc: Descriptor): Promise<number> {
  const { store, client, ep, repo, display, progress, opts } = t;
  if (!/^sha256:[a-f0-9]{64}$/.test(desc.digest)) throw formatError(`${display}: unsupported blob digest ${desc.digest}`);
  await store.lease([`blob ${desc.digest}`]);
  const tmp = store.paths.temp('pull');
  const fh = await open(tmp, 'w', 0o644);
  let hash: Hash = createHash('sha256');
  let got = 0;
  let transferred = 0;
  let lastReport = 0;
  try {
    // one attempt: GET from byte `got` on; what it wrote before a break stays for the next one
    let drainAttempt: () => Promise<void> = async () => undefined;
    let writeError: unknown;
    const attempt = async (): Promise<void> => {
      const pending: Buffer[] = [];
      let pendingLen = 0;
      // writes run behind the socket (positional, so their order does not matter) with at most
      // WRITE_AHEAD bytes queued: reading waits for the disk only when the disk falls behind
      let queued = 0;
      let writes: Promise<void> = Promise.resolve();
      const flush = async () => {
        if (pendingLen) {
          const buf = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingLen);
          const pos = got;
          got += buf.length;
          queued += buf.length;
          pending.length = 0;
          pendingLen = 0;
          writes = writes.then(async () => {
            try {
              await fh.write(buf, 0, buf.length, pos);
            } catch (err) {
              writeError ??= err;
            } finally {
              queued -= buf.length;
            }
          });
        }
        if (queued > WRITE_AHEAD) await writes;
        if (writeError) throw writeError;
      };
      const drain = async () => {
        await flush();
        await writes;
        if (writeError) throw writeError;
      };
      drainAttempt = drain; // the retry hook waits for this attempt's writes before the next one
      const res = await client.getBlob(ep, repo, desc.digest, got, display);
      if (got > 0 && res.status === 200) {
        // the server ignored Range: start over
        got = 0;
        hash = createHash('sha256');
        await fh.truncate(0);
      }
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        if (got + pendingLen + chunk.length > desc.size) {
          res.body.destroy();
          throw integrityError(`${display}: blob ${desc.digest} from ${ep.host} is larger than the ${desc.size} bytes its manifest declares`, { digest: desc.digest });
        }
        hash.update(chunk);
        pending.push(chunk);
        pendingLen += chunk.length;
        transferred += chunk.length;
        if (pendingLen >= FLUSH_BYTES) await flush();
        const now = Date.now();
        if (now - lastReport > 100) {
          lastReport = now;
          progress({ digest: desc.digest, status: 'downloading', current: got + pendingLen, total: desc.size });
        }
      }
      await drain();
      if (got < desc.size) throw new TransportError(`blob ${desc.digest} ended after ${got} of ${desc.size} bytes`, 'ECONNRESET');
    };
    await retry(opts, attempt, {
      retryable: async (err) => {
        // bytes that arrived intact before a break are kept: the next attempt asks for the rest
        await drainAttempt().catch(() => undefined);
        if (writeError) throw writeError; // the disk, not the network: no retry
        // the registry's answers and unreachable hosts were already retried inside send()
        return !(err instanceof StoreError);
      },
      exhausted: (err) => client.unreachable(ep, display, err instanceof TransportError ? err : new TransportError((err as Error).message, (err as NodeJS.ErrnoException).code ?? 'EIO')),
      onRetry: (err) => progress({ digest: desc.digest, status: 'retrying', current: got, total: desc.size, message: (err as Error).message }),
    });
    const digest = `sha256:${hash.digest('hex')}` as Digest;
    if (digest !== desc.digest) throw integrityError(`${display}: blob from ${ep.host} hashes to ${digest}, not ${desc.digest}: nothing was stored`, { expected: desc.digest, actual: digest });
    await fh.close();
    await commit(store.paths, tmp, digest);
    progress({ digest: desc.digest, status: 'done', current: desc.size, total: desc.size });
    return transferred;
  } finally {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
  }
}

/** A small blob (a cache record, a config) read into memory and verified against its descriptor. */
export async function readBlobFromRegistry(client: RegistryClient, ep: Endpoint, repo: string, desc: Descriptor, display: string): Promise<Buffer> {
  if (desc.size > 16 << 20) throw formatError(`${display}: blob ${desc.digest} is too large to read into memory (${desc.size} bytes)`);
  const res = await client.getBlob(ep, repo, desc.digest, 0, display);
  const chunks: Buffer[] = [];
  for await (const c of res.body as AsyncIterable<Buffer>) chunks.push(c);
  const data = Buffer.concat(chunks);
  const digest = sha256(data);
  if (digest !== desc.digest || data.length !== desc.size) throw integrityError(`${display}: blob from ${ep.host} hashes to ${digest} (${data.length} bytes), not ${desc.digest} (${desc.size})`, { expected: desc.digest, actual: digest });
  return data;
}
