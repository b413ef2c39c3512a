/**
 * ADD <url> for cache keys: download onto the store's blob store and keep a URL record (the content's
 * digest and its validators) so later builds revalidate with If-None-Match / If-Modified-Since: a
 * warm build costs one conditional request (304) and no transfer. The solver puts `digest` in the
 * step key and passes the result to applyCopy through `remote` (applyCopy never deletes the blob).
 * The records and their blobs are build cache: `tsbuild prune` keeps them, `prune --all` drops them.
 */
import type { LayerStore, UrlRecord } from '@tsbuild/layerstore';
import { parseChecksum, urlFilename } from './downloadUrl.js';
import { checksumMismatch, receiveUrl, type Sha256 } from './receiveUrl.js';
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

  const expected: Sha256 | undefined = want ? `sha256:${want.hex}` : undefined;
  // straight onto the blob store (hashed on the way; a --checksum is the blob's expected digest, so
  // content that does not match is never stored)
  const got = await receiveUrl(url, (body, exp) => store.writeBlob(body, exp ? { expected: exp } : {}).then((b) => ({ ...b, file: store.blobPath(b.digest) })), {
    expected,
    ifNoneMatch: meta?.etag,
    ifModifiedSince: meta?.lastModified,
    signal: opts.signal,
  });
  if (got.notModified) {
    // only asked with validators, which only a record gives
    if (expected && meta!.digest !== expected) throw checksumMismatch(url, expected, meta!.digest);
    return cached(meta!);
  }
  const m: UrlRecord = { url, digest: got.digest, size: got.size };
  if (got.etag) m.etag = got.etag;
  if (got.lastModified) m.lastModified = got.lastModified.toUTCString();
  await store.putUrlRecord(m);
  return { ...cached(m), fromCache: false };
}
