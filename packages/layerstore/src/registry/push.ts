/**
 * push: an image of the store ─▶ a registry repository. Each blob: HEAD (present → skipped), else
 * mounted from another repository of the same registry known to hold it, else uploaded —
 * monolithic (POST + PUT) up to `chunkSize`, chunked (PATCH per chunk + PUT) above. Then the
 * manifest's exact bytes are PUT under the tag with their own media type, so what the registry
 * serves hashes to the digest the store has.
 */
import { open } from 'node:fs/promises';
import pLimit from 'p-limit';
import type { Descriptor, Digest } from '../types.js';
import { sha256 } from '../digest.js';
import type { Store } from '../store.js';
import { notFound, StoreError } from '../errors.js';
import { isIndex, parseJson } from '../images/parse.js';
import { MEDIA } from '../images/media.js';
import { familiarString, parseReference, repositoryName } from '../images/reference.js';
import { RegistryClient } from './client.js';
import { knownSources, recordSources } from './sources.js';
import type { Endpoint, RegistryOptions, TransferEvent } from './types.js';

export interface PushOptions extends RegistryOptions {
  client?: RegistryClient;
  /** extra repositories (`host/path`) to try mounting blobs from */
  mountFrom?: string[];
}

export interface PushResult {
  /** the pushed manifest's digest (`name@digest` pulls exactly this) */
  digest: Digest;
  size: number;
  /** familiar reference pushed to */
  name: string;
  uploadedBlobs: number;
  mountedBlobs: number;
  existingBlobs: number;
  uploadedBytes: number;
}

/** Push the store image `source` (name or digest) as `target` (default: `source`). */
export async function pushImage(store: Store, source: string, opts: PushOptions & { target?: string } = {}): Promise<PushResult> {
  const digest = await store.resolve(source);
  if (!digest) throw notFound(`${source}: no such image in the store`, { ref: source });
  const bytes = await store.readBlob(digest);
  const doc = parseJson<{ mediaType?: string; manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] }>(bytes, 'manifest');
  if (isIndex(doc)) throw new StoreError('E_FORMAT', `${source}: pushing an image index is not supported; push a single-platform image`, { ref: source });
  return pushManifest(store, opts.target ?? source, { bytes, mediaType: doc.mediaType ?? MEDIA.ociManifest, blobs: [doc.config!, ...(doc.layers ?? [])] }, opts);
}

/**
 * Push a manifest whose blobs are all in the store (an image, a cache artifact): blobs first, the
 * manifest's exact bytes last, under `target`'s tag (or digest).
 */
export async function pushManifest(store: Store, target: string, m: { bytes: Buffer; mediaType: string; blobs: Descriptor[] }, opts: PushOptions = {}): Promise<PushResult> {
  const ref = parseReference(target);
  const display = familiarString({ ...ref, tag: ref.digest ? ref.tag : (ref.tag ?? 'latest') });
  const digest = sha256(m.bytes);
  const client = opts.client ?? new RegistryClient(opts);
  const ep = client.endpoints(ref.domain, 'push')[0]!;
  const repoName = repositoryName(ref);
  const stats = { uploadedBlobs: 0, mountedBlobs: 0, existingBlobs: 0, uploadedBytes: 0 };
  const progress = (e: Omit<TransferEvent, 'type' | 'action' | 'ref'>) => opts.onProgress?.({ type: 'transfer', action: 'push', ref: display, ...e });
  try {
    const limit = pLimit(Math.max(1, opts.concurrency ?? 4));
    const seen = new Set<string>();
    const jobs = m.blobs
      .filter((b) => !seen.has(b.digest) && seen.add(b.digest))
      .map((b, i) =>
        limit(async () => {
          const kind: TransferEvent['kind'] = i === 0 ? 'config' : 'layer';
          const r = await pushBlob(store, client, ep, ref.path, b, display, opts.mountFrom ?? [], (e) => progress({ ...e, kind }), opts);
          if (r === 'exists') stats.existingBlobs++;
          else if (r === 'mounted') stats.mountedBlobs++;
          else {
            stats.uploadedBlobs++;
            stats.uploadedBytes += b.size;
          }
        }),
      );
    const settled = await Promise.allSettled(jobs);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    await client.putManifest(ep, ref.path, ref.digest ?? ref.tag ?? 'latest', m.bytes, m.mediaType, display);
    progress({ digest, kind: 'manifest', status: 'done', current: m.bytes.length, total: m.bytes.length });
    recordSources(store.paths, m.blobs.map((b) => b.digest), repoName);
    return { digest, size: m.bytes.length, name: display, ...stats };
  } finally {
    if (!opts.client) client.close();
  }
}

async function pushBlob(
  store: Store,
  client: RegistryClient,
  ep: Endpoint,
  repo: string,
  desc: Descriptor,
  display: string,
  extraSources: string[],
  progress: (e: Omit<TransferEvent, 'type' | 'action' | 'ref' | 'kind'>) => void,
  opts: RegistryOptions,
): Promise<'exists' | 'mounted' | 'uploaded'> {
  const scopes = [`repository:${repo}:pull,push`];
  if (await client.hasBlob(ep, repo, desc.digest, scopes)) {
    progress({ digest: desc.digest, status: 'exists', current: desc.size, total: desc.size });
    return 'exists';
  }
  // cross-repository mount: same registry, another repository known to hold the blob
  const prefix = `${ep.registry}/`;
  const mountFrom = [...extraSources, ...knownSources(store.paths, desc.digest)].filter((s) => s.startsWith(prefix) && s !== `${prefix}${repo}`).map((s) => s.slice(prefix.length));
  let location: string | undefined;
  for (const from of [...new Set(mountFrom)].slice(0, 3)) {
    const r = await client.startUpload(ep, repo, display, { digest: desc.digest, from });
    if (r.mounted) {
      progress({ digest: desc.digest, status: 'mounted', current: desc.size, total: desc.size });
      return 'mounted';
    }
    location = r.location; // the registry opened an upload instead: use it
    break;
  }
  if (!(await store.hasBlob(desc.digest))) throw notFound(`${display}: blob ${desc.digest} is not in the store (a pulled image whose layers were pruned?)`, { digest: desc.digest });
  const chunkSize = opts.chunkSize ?? 64 << 20;
  const attempts = opts.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      location ??= (await client.startUpload(ep, repo, display) as { location: string }).location;
      progress({ digest: desc.digest, status: 'uploading', current: 0, total: desc.size });
      if (desc.size <= chunkSize) {
        await client.finishUpload(ep, repo, location, desc.digest, () => store.blobStream(desc.digest), desc.size, display);
      } else {
        const fh = await open(store.blobPath(desc.digest), 'r');
        try {
          let offset = 0;
          while (offset < desc.size) {
            const len = Math.min(chunkSize, desc.size - offset);
            const buf = Buffer.allocUnsafe(len);
            const { bytesRead } = await fh.read(buf, 0, len, offset);
            location = await client.uploadChunk(ep, repo, location, buf.subarray(0, bytesRead), offset, display);
            offset += bytesRead;
            progress({ digest: desc.digest, status: 'uploading', current: offset, total: desc.size });
          }
        } finally {
          await fh.close();
        }
        await client.finishUpload(ep, repo, location, desc.digest, undefined, 0, display);
      }
      progress({ digest: desc.digest, status: 'done', current: desc.size, total: desc.size });
      return 'uploaded';
    } catch (err) {
      // a failed upload session is dropped; a fresh one starts from byte 0
      location = undefined;
      const transient = err instanceof StoreError && (err.code === 'E_REGISTRY_UNREACHABLE' || (err.code === 'E_REGISTRY' && Number(err.data?.status ?? 0) >= 500));
      if (!transient || attempt >= attempts) throw err;
      progress({ digest: desc.digest, status: 'retrying', current: 0, total: desc.size, message: (err as Error).message });
    }
  }
}
