/**
 * ADD <url> for cache keys: download onto the store's blob store and keep a URL record (the content's
 * digest and its validators) so later builds revalidate with If-None-Match / If-Modified-Since: a
 * warm build costs one conditional request (304) and no transfer. The solver puts `digest` in the
 * step key and passes the result to applyCopy through `remote` (applyCopy never deletes the blob).
 * The records and their blobs are build cache: `tsbuild prune` keeps them, `prune --all` drops them.
 */
import { Readable } from 'node:stream';
import type { LayerStore, UrlRecord } from '@tsbuild/layerstore';
import { BuildError } from '../errors.js';
import { httpFetch } from '../net/fetch.js';
import { parseChecksum, urlFilename } from './downloadUrl.js';
import type { RemoteFile } from './types.js';

export interface FetchRemoteOptions {
  /** where the content (a blob) and the URL's record live */
  store: Pick<LayerStore, 'writeBlob' | 'blobPath' | 'getUrlRecord' | 'putUrlRecord'>;
  /** ADD --checksum=sha256:… */
  checksum?: string;
  signal?: AbortSignal;
  /** skip revalidation when a cached copy exists (e.g. offline builds) */
  offline?: boolean;
}

export async function fetchRemote(url: string, opts: FetchRemoteOptions): Promise<RemoteFile & { fromCache: boolean }> {
  const { store } = opts;
  const want = opts.checksum ? parseChecksum(opts.checksum) : undefined;
  const meta = await store.getUrlRecord(url);
  const cached = (m: UrlRecord): RemoteFile & { fromCache: boolean } => {
    const out: RemoteFile & { fromCache: boolean } = { url, file: store.blobPath(m.digest), digest: m.digest, size: m.size, filename: urlFilename(url), fromCache: true };
    if (m.lastModified) out.lastModified = new Date(m.lastModified);
    if (m.etag) out.etag = m.etag;
    return out;
  };
  // a pinned checksum that the cache already holds needs no request at all
  if (meta && want && meta.digest === `sha256:${want.hex}`) return cached(meta);
  if (meta && opts.offline) return cached(meta);

  const headers: Record<string, string> = {};
  if (meta?.etag) headers['if-none-match'] = meta.etag;
  if (meta?.lastModified) headers['if-modified-since'] = meta.lastModified;
  let res: Response;
  try {
    res = await httpFetch(url, { redirect: 'follow', headers, signal: opts.signal });
  } catch (err) {
    throw new BuildError('E_FETCH', `failed to download ${url}: ${(err as Error).message}`, { cause: err, data: { url } });
  }
  if (res.status === 304 && meta) {
    await res.body?.cancel();
    if (want && meta.digest !== `sha256:${want.hex}`) {
      throw new BuildError('E_CHECKSUM', `digest mismatch for ${url}: expected sha256:${want.hex}, got ${meta.digest}`, { data: { url } });
    }
    return cached(meta);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    throw new BuildError('E_FETCH', `failed to download ${url}: invalid response status ${res.status}`, { data: { url, status: res.status } });
  }
  // straight onto the blob store (hashed on the way; a --checksum is the blob's expected digest, so
  // content that does not match is never stored)
  let blob: { digest: `sha256:${string}`; size: number };
  try {
    blob = await store.writeBlob(Readable.fromWeb(res.body as Parameters<typeof Readable.fromWeb>[0]), want ? { expected: `sha256:${want.hex}` } : {});
  } catch (err) {
    const e = err as { code?: string; data?: { actual?: string } };
    if (want && e.code === 'E_INTEGRITY') {
      throw new BuildError('E_CHECKSUM', `digest mismatch for ${url}: expected sha256:${want.hex}, got ${e.data?.actual}`, { data: { url, expected: `sha256:${want.hex}`, actual: e.data?.actual } });
    }
    throw new BuildError('E_FETCH', `failed to download ${url}: ${(err as Error).message}`, { cause: err, data: { url } });
  }
  const m: UrlRecord = { url, digest: blob.digest, size: blob.size };
  const etag = res.headers.get('etag');
  if (etag) m.etag = etag;
  const lm = res.headers.get('last-modified');
  if (lm && !Number.isNaN(new Date(lm).getTime())) m.lastModified = new Date(lm).toUTCString();
  await store.putUrlRecord(m);
  return { ...cached(m), fromCache: false };
}
