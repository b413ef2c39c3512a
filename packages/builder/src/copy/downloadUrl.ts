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
import type { Readable } from 'node:stream';
import { BuildError } from '../errors.js';
import { receiveUrl, type BodySink, type Sha256 } from './receiveUrl.js';
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
  const want = opts.checksum ? parseChecksum(opts.checksum) : undefined;
  const got = await receiveUrl(url, tempFileSink(opts.tmpDir ?? tmpdir()), { expected: want ? `sha256:${want.hex}` : undefined, signal: opts.signal });
  if (got.notModified) throw new BuildError('E_FETCH', `failed to download ${url}: invalid response status 304`, { data: { url, status: 304 } }); // no validators were sent
  const out: RemoteFile = { url, file: got.file, digest: got.digest, size: got.size, filename: urlFilename(url) };
  if (got.lastModified) out.lastModified = got.lastModified;
  if (got.etag) out.etag = got.etag;
  return out;
}

/** A body into `<dir>/add-url-XXXX/content` (mode 0600), hashed as written; removed on any failure. */
function tempFileSink(parent: string): BodySink {
  return async (body: Readable, expected: Sha256 | undefined) => {
    const dir = await mkdtemp(join(parent, 'add-url-'));
    const file = join(dir, 'content');
    try {
      const h = createHash('sha256');
      let size = 0;
      const fh = await open(file, 'wx', 0o600);
      try {
        for await (const chunk of body as AsyncIterable<Buffer>) {
          h.update(chunk);
          size += chunk.length;
          await fh.write(chunk);
        }
      } finally {
        await fh.close();
      }
      const digest: Sha256 = `sha256:${h.digest('hex')}`;
      if (expected && digest !== expected) throw Object.assign(new Error(`content hashes to ${digest}, not ${expected}`), { code: 'E_INTEGRITY', data: { expected, actual: digest } });
      return { file, digest, size };
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  };
}

/** Remove a downloaded file's temp dir. */
export async function discardRemote(r: RemoteFile): Promise<void> {
  await rm(posix.dirname(r.file), { recursive: true, force: true });
}
