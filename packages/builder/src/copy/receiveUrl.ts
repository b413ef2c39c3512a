/**
 * The one HTTP path of ADD <url>: the request (redirects followed, conditional headers when the
 * caller has validators), the status check, the body handed to a sink that hashes and keeps it,
 * `--checksum` checked, the validators (ETag, Last-Modified) read back. fetchRemote (the solver:
 * onto the store's blob store) and downloadUrl (the library without a store: a temp file) differ
 * only in their sink, so both fail with the same codes and words.
 */
import { Readable } from 'node:stream';
import { BuildError } from '../errors.js';
import { httpFetch } from '../net/fetch.js';

export type Sha256 = `sha256:${string}`;

/**
 * Where a body goes. It hashes what it keeps; given `expected`, content that hashes otherwise is
 * not kept and the sink throws an error with code `E_INTEGRITY` and `data.actual` (the store's
 * writeBlob contract), which receiveUrl turns into E_CHECKSUM.
 */
export type BodySink = (body: Readable, expected: Sha256 | undefined) => Promise<{ file: string; digest: Sha256; size: number }>;

export interface ReceiveOptions {
  /** the pinned digest (`--checksum`, parsed) */
  expected?: Sha256;
  /** validators of a copy the caller holds: a 304 answer is `{ notModified: true }` */
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  signal?: AbortSignal;
}

export interface Received {
  notModified: false;
  file: string;
  digest: Sha256;
  size: number;
  etag?: string;
  /** a valid Last-Modified only */
  lastModified?: Date;
}

export async function receiveUrl(url: string, sink: BodySink, opts: ReceiveOptions = {}): Promise<Received | { notModified: true }> {
  const headers: Record<string, string> = {};
  if (opts.ifNoneMatch) headers['if-none-match'] = opts.ifNoneMatch;
  if (opts.ifModifiedSince) headers['if-modified-since'] = opts.ifModifiedSince;
  let res: Response;
  try {
    res = await httpFetch(url, { redirect: 'follow', headers, signal: opts.signal });
  } catch (err) {
    throw fetchFailed(url, err);
  }
  if (res.status === 304 && (opts.ifNoneMatch || opts.ifModifiedSince)) {
    await res.body?.cancel().catch(() => undefined);
    return { notModified: true };
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    throw new BuildError('E_FETCH', `failed to download ${url}: invalid response status ${res.status}`, { data: { url, status: res.status } });
  }
  let kept: Awaited<ReturnType<BodySink>>;
  try {
    kept = await sink(Readable.fromWeb(res.body as Parameters<typeof Readable.fromWeb>[0]), opts.expected);
  } catch (err) {
    const e = err as { code?: string; data?: { actual?: string } };
    if (opts.expected && e.code === 'E_INTEGRITY') throw checksumMismatch(url, opts.expected, e.data?.actual ?? 'unknown');
    throw fetchFailed(url, err);
  }
  const out: Received = { notModified: false, ...kept };
  const etag = res.headers.get('etag');
  if (etag) out.etag = etag;
  const lm = res.headers.get('last-modified');
  const lastModified = lm ? new Date(lm) : undefined;
  if (lastModified && !Number.isNaN(lastModified.getTime())) out.lastModified = lastModified;
  return out;
}

/** `--checksum` names other content than the URL has (or than the cached copy has). */
export function checksumMismatch(url: string, expected: string, actual: string): BuildError {
  return new BuildError('E_CHECKSUM', `digest mismatch for ${url}: expected ${expected}, got ${actual}`, { data: { url, expected, actual } });
}

function fetchFailed(url: string, err: unknown): BuildError {
  return new BuildError('E_FETCH', `failed to download ${url}: ${(err as Error).message}`, { cause: err, data: { url } });
}
