/**
 * ADD <http(s) url>: download once (redirects followed) into a temp file, hashing on the way.
 * `--checksum=sha256:<hex>` is verified (E_CHECKSUM). The file lands with mode 0600 and the
 * Last-Modified time, named after the URL's last path segment ("__unnamed__" when there is none);
 * URL content is never extracted.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { BuildError } from '../errors.js';
import { httpFetch } from '../net/fetch.js';
import type { RemoteFile } from './types.js';

export interface DownloadOptions {
  /** expected digest, `sha256:<hex>` */
  checksum?: string;
  /** directory for the temp file (default os.tmpdir()) */
  tmpDir?: string;
  signal?: AbortSignal;
  /** conditional request headers from an earlier download (If-None-Match / If-Modified-Since) are not sent: content is always fetched */
}

/**
 * The file name BuildKit gives a downloaded URL: `path.Base` of the DECODED path (Go's url.Path),
 * else `__unnamed__`. Decoding first matters: `a/..%2F..%2Fx` names `x`, never `../../x`. A name
 * that is still no single file name (`..`, a NUL) is refused where it is used (fileName()).
 */
export function urlFilename(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return '__unnamed__';
  }
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    /* malformed escapes: Go's url.Parse fails too; keep the raw path */
  }
  const base = posix.basename(decoded);
  return base && base !== '.' && base !== '/' ? base : '__unnamed__';
}

export function parseChecksum(checksum: string): { algo: 'sha256'; hex: string } {
  const m = /^sha256:([a-f0-9]{64})$/.exec(checksum.trim());
  if (!m) throw new BuildError('E_CHECKSUM', `invalid checksum ${checksum}: expected sha256:<64 hex digits>`, { data: { checksum } });
  return { algo: 'sha256', hex: m[1]! };
}

export async function downloadUrl(url: string, opts: DownloadOptions = {}): Promise<RemoteFile> {
  let res: Response;
  try {
    res = await httpFetch(url, { redirect: 'follow', signal: opts.signal });
  } catch (err) {
    throw new BuildError('E_FETCH', `failed to download ${url}: ${(err as Error).message}`, { cause: err, data: { url } });
  }
  return saveResponse(url, res, opts);
}

/** Store a fetch Response's body as a RemoteFile (status checked, hashed, --checksum verified). */
export async function saveResponse(url: string, res: Response, opts: DownloadOptions = {}): Promise<RemoteFile> {
  const want = opts.checksum ? parseChecksum(opts.checksum) : undefined;
  if (!res.ok || !res.body) {
    throw new BuildError('E_FETCH', `failed to download ${url}: invalid response status ${res.status}`, { data: { url, status: res.status } });
  }
  const dir = await mkdtemp(join(opts.tmpDir ?? tmpdir(), 'add-url-'));
  const file = join(dir, 'content');
  const h = createHash('sha256');
  let size = 0;
  const fh = await open(file, 'wx', 0o600);
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      h.update(chunk);
      size += chunk.length;
      await fh.write(chunk);
    }
  } catch (err) {
    await fh.close();
    await rm(dir, { recursive: true, force: true });
    throw new BuildError('E_FETCH', `failed to download ${url}: ${(err as Error).message}`, { cause: err, data: { url } });
  }
  await fh.close();
  const hex = h.digest('hex');
  if (want && want.hex !== hex) {
    await rm(dir, { recursive: true, force: true });
    throw new BuildError('E_CHECKSUM', `digest mismatch for ${url}: expected sha256:${want.hex}, got sha256:${hex}`, {
      data: { url, expected: `sha256:${want.hex}`, actual: `sha256:${hex}` },
    });
  }
  const lm = res.headers.get('last-modified');
  const lastModified = lm ? new Date(lm) : undefined;
  const out: RemoteFile = { url, file, digest: `sha256:${hex}`, size, filename: urlFilename(url) };
  if (lastModified && !Number.isNaN(lastModified.getTime())) out.lastModified = lastModified;
  const etag = res.headers.get('etag');
  if (etag) out.etag = etag;
  return out;
}

/** Remove a downloaded file's temp dir. */
export async function discardRemote(r: RemoteFile): Promise<void> {
  await rm(posix.dirname(r.file), { recursive: true, force: true });
}
