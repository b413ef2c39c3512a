/**
 * push: an image of the store ─▶ a registry repository. Each blob: HEAD (present → skipped), else
 * mounted from another repository of the same registry known to hold it, else uploaded —
 * monolithic (POST + PUT) up to `chunkSize`, chunked (PATCH per chunk + PUT) above. Then the
 * manifest's exact bytes are PUT under the tag with their own media type, so what the registry
 * serves hashes to the digest the store has. An image index goes the same way with one more
 * step: its entries' manifests PUT by digest before the index itself is PUT under the tag.
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
import type { BlobTransfer, RegistryOptions, TransferEvent } from './types.js';
import { retry } from './retry.js';
import { settleAll } from './settleAll.js';

export interface PushOptions extends RegistryOptions {
  client?: RegistryClient;
  /** extra repositories (`host/path`) to try mounting blobs from */
  mountFrom?: string[];
}

export interface PushResult {
  /** the pushed manifest's digest — an index's for a multi-platform image (`name@digest` pulls exactly this) */
  digest: Digest;
  size: number;
  /** familiar reference pushed to */
  name: string;
  /** manifests PUT: 1 for an image; an index's entries (by digest) plus the index itself */
  manifests: number;
  uploadedBlobs: number;
  mountedBlobs: number;
  existingBlobs: number;
  uploadedBytes: number;
}

/** One manifest's exact bytes as stored (what the registry must serve under its digest). */
interface ManifestBytes { digest: Digest; bytes: Buffer; mediaType: string; /** 0: the pushed one; 1: an entry of its index; … */ depth: number }

/**
 * What a push sends: every blob (deduplicated), then `children` PUT by digest (an index's
 * entries, innermost first), then `top` under the tag.
 */
interface PushPlan { blobs: Descriptor[]; configs: Set<string>; children: ManifestBytes[]; top: ManifestBytes }

interface ManifestDoc { mediaType?: string; manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] }

/** Nesting allowed below a pushed index (an index of indexes is legal OCI; a cycle is not possible by digest, a deep chain is a malformed input). */
const MAX_INDEX_DEPTH = 4;

/**
 * Push the store image `source` (name or digest) as `target` (default: `source`). An image index
 * (a multi-platform build) is pushed as buildx does: every entry's blobs and manifest (by digest)
 * first, the index's exact bytes last under the tag — so the tag appears only once every
 * platform it names is in the registry.
 */
export async function pushImage(store: Store, source: string, opts: PushOptions & { target?: string } = {}): Promise<PushResult> {
  const digest = await store.resolve(source);
  if (!digest) throw notFound(`${source}: no such image in the store`, { ref: source });
  const plan: PushPlan = { blobs: [], configs: new Set(), children: [], top: { digest, bytes: Buffer.alloc(0), mediaType: '', depth: 0 } };
  plan.top = await collect(store, source, { digest }, plan, 0);
  return pushPlan(store, opts.target ?? source, plan, opts);
}

/**
 * Read one manifest (recursing through an index) into `plan`: its blobs, and for an index its
 * entries as children. Everything is read from the store before the registry is asked anything,
 * so an index whose entries are not all here fails without pushing a byte.
 */
async function collect(store: Store, source: string, desc: { digest: Digest; mediaType?: string }, plan: PushPlan, depth: number): Promise<ManifestBytes> {
  if (!(await store.hasBlob(desc.digest))) {
    if (depth === 0) throw notFound(`${source}: manifest ${desc.digest} is not in the store`, { ref: source, digest: desc.digest });
    // a pulled index keeps only the host's entry: pushing it whole needs every platform's image
    throw notFound(`${source}: manifest ${desc.digest} named by its index is not in the store (only complete multi-platform images can be pushed; pull or build the other platforms, or push one platform's image)`, { ref: source, digest: desc.digest });
  }
  const bytes = await store.readBlob(desc.digest);
  const doc = parseJson<ManifestDoc>(bytes, `${source}: manifest ${desc.digest}`);
  if (isIndex(doc)) {
    if (depth >= MAX_INDEX_DEPTH) throw new StoreError('E_FORMAT', `${source}: image indexes nested deeper than ${MAX_INDEX_DEPTH}`, { ref: source });
    if (!Array.isArray(doc.manifests) || doc.manifests.length === 0) throw new StoreError('E_FORMAT', `${source}: index ${desc.digest} has no manifests`, { ref: source });
    for (const entry of doc.manifests) {
      if (plan.children.some((c) => c.digest === entry.digest)) continue;
      plan.children.push(await collect(store, source, entry, plan, depth + 1));
    }
    return { digest: desc.digest, bytes, mediaType: doc.mediaType ?? desc.mediaType ?? MEDIA.ociIndex, depth };
  }
  if (!doc.config) throw new StoreError('E_FORMAT', `${source}: manifest ${desc.digest} has no config`, { ref: source });
  plan.configs.add(doc.config.digest);
  plan.blobs.push(doc.config, ...(doc.layers ?? []));
  return { digest: desc.digest, bytes, mediaType: doc.mediaType ?? desc.mediaType ?? MEDIA.ociManifest, depth };
}

/**
 * Push a manifest whose blobs are all in the store (an image, a cache artifact): blobs first, the
 * manifest's exact bytes last, under `target`'s tag (or digest).
 */
export async function pushManifest(store: Store, target: string, m: { bytes: Buffer; mediaType: string; blobs: Descriptor[] }, opts: PushOptions = {}): Promise<PushResult> {
  const top = { digest: sha256(m.bytes), bytes: m.bytes, mediaType: m.mediaType, depth: 0 };
  return pushPlan(store, target, { blobs: m.blobs, configs: new Set(m.blobs[0] ? [m.blobs[0].digest] : []), children: [], top }, opts);
}

async function pushPlan(store: Store, target: string, plan: PushPlan, opts: PushOptions): Promise<PushResult> {
  const ref = parseReference(target);
  const display = familiarString({ ...ref, tag: ref.digest ? ref.tag : (ref.tag ?? 'latest') });
  const client = opts.client ?? new RegistryClient(opts);
  const ep = client.endpoints(ref.domain, 'push')[0]!;
  const repoName = repositoryName(ref);
  const stats = { uploadedBlobs: 0, mountedBlobs: 0, existingBlobs: 0, uploadedBytes: 0 };
  const progress = (e: Omit<TransferEvent, 'type' | 'action' | 'ref'>) => opts.onProgress?.({ type: 'transfer', action: 'push', ref: display, ...e });
  const limit = pLimit(Math.max(1, opts.concurrency ?? 4));
  try {
    const seen = new Set<string>();
    const blobs = plan.blobs.filter((b) => !seen.has(b.digest) && seen.add(b.digest));
    await settleAll(blobs.map((b) =>
      limit(async () => {
        const kind: TransferEvent['kind'] = plan.configs.has(b.digest) ? 'config' : 'layer';
        const r = await pushBlob({ store, client, ep, repo: ref.path, display, progress: (e) => progress({ ...e, kind }), opts }, b, opts.mountFrom ?? []);
        if (r === 'exists') stats.existingBlobs++;
        else if (r === 'mounted') stats.mountedBlobs++;
        else {
          stats.uploadedBlobs++;
          stats.uploadedBytes += b.size;
        }
      }),
    ));
    // an index's entries by digest, the deepest level first (the registry refuses an index that
    // names a manifest it lacks); a failure here leaves the tag untouched
    const put = async (m: ManifestBytes, reference: string) => {
      await client.putManifest(ep, ref.path, reference, m.bytes, m.mediaType, display);
      progress({ digest: m.digest, kind: 'manifest', status: 'done', current: m.bytes.length, total: m.bytes.length });
    };
    for (let depth = MAX_INDEX_DEPTH; depth >= 1; depth--) {
      await settleAll(plan.children.filter((c) => c.depth === depth).map((c) => limit(() => put(c, c.digest))));
    }
    await put(plan.top, ref.digest ?? ref.tag ?? 'latest');
    recordSources(store.paths, blobs.map((b) => b.digest), repoName);
    return { digest: plan.top.digest, size: plan.top.bytes.length, name: display, manifests: plan.children.length + 1, ...stats };
  } finally {
    if (!opts.client) client.close();
  }
}

async function pushBlob(t: BlobTransfer, desc: Descriptor, extraSources: string[]): Promise<'exists' | 'mounted' | 'uploaded'> {
  const { store, client, ep, repo, display, progress, opts } = t;
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
  const upload = async (): Promise<'uploaded'> => {
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
  };
  return retry(opts, upload, {
    retryable: (err) => {
      // a failed upload session is dropped; a fresh one starts from byte 0
      location = undefined;
      return err instanceof StoreError && (err.code === 'E_REGISTRY_UNREACHABLE' || (err.code === 'E_REGISTRY' && Number(err.data?.status ?? 0) >= 500));
    },
    onRetry: (err) => progress({ digest: desc.digest, status: 'retrying', current: 0, total: desc.size, message: (err as Error).message }),
  });
}
