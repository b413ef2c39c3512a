/**
 * ADD <url> for cache keys: download into a persistent, content-addressed cache dir and revalidate
 * later builds with If-None-Match / If-Modified-Since, so a warm build costs one conditional
 * request (304) and no transfer. The solver puts `digest` in the step key and passes the result to
 * applyCopy through `remote` (the cached file is never deleted by applyCopy).
 *   <cacheDir>/blobs/<sha256 hex>          content
 *   <cacheDir>/urls/<sha256(url) hex>.json  { url, digest, etag?, lastModified?, size }
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError } from '../errors.js';
import { httpFetch } from '../net/fetch.js';
import { parseChecksum, saveResponse, urlFilename } from './downloadUrl.js';
import type { RemoteFile } from './types.js';

export interface FetchRemoteOptions {
  /** persistent directory (e.g. `<store>/http-cache-v1`) */
  cacheDir: string;
  /** ADD --checksum=sha256:… */
  checksum?: string;
  signal?: AbortSignal;
  /** skip revalidation when a cached copy exists (e.g. offline builds) */
  offline?: boolean;
}

interface Meta { url: string; digest: `sha256:${string}`; size: number; etag?: string; lastModified?: string }

export async function fetchRemote(url: string, opts: FetchRemoteOptions): Promise<RemoteFile & { fromCache: boolean }> {
  const want = opts.checksum ? parseChecksum(opts.checksum) : undefined;
  const blobs = join(opts.cacheDir, 'blobs');
  const urls = join(opts.cacheDir, 'urls');
  await mkdir(blobs, { recursive: true });
  await mkdir(urls, { recursive: true });
  const metaFile = join(urls, `${createHash('sha256').update(url).digest('hex')}.json`);
  let meta: Meta | undefined;
  try {
    meta = JSON.parse(await readFile(metaFile, 'utf8')) as Meta;
    await stat(join(blobs, meta.digest.slice(7)));
  } catch {
    meta = undefined;
  }
  const cached = (m: Meta): RemoteFile & { fromCache: boolean } => {
    const out: RemoteFile & { fromCache: boolean } = { url, file: join(blobs, m.digest.slice(7)), digest: m.digest, size: m.size, filename: urlFilename(url), fromCache: true };
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
  const r = await saveResponse(url, res, { checksum: opts.checksum, tmpDir: opts.cacheDir, signal: opts.signal });
  const blob = join(blobs, r.digest.slice(7));
  try {
    await rename(r.file, blob);
  } finally {
    await rm(join(r.file, '..'), { recursive: true, force: true });
  }
  const m: Meta = { url, digest: r.digest, size: r.size };
  if (r.etag) m.etag = r.etag;
  if (r.lastModified) m.lastModified = r.lastModified.toUTCString();
  const tmp = `${metaFile}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(m));
  await rename(tmp, metaFile);
  return { ...r, file: blob, fromCache: false };
}
