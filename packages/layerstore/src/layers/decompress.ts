/**
 * Detect a layer's compression by its magic bytes and return the uncompressed tar stream.
 * gzip via node:zlib; zstd only where node:zlib has it (Node >= 22.15; this package targets
 * Node 20, which has none) — otherwise E_FORMAT saying so; plain tar passes through.
 */
import * as zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import { peek, LimitStream } from '../util/streams.js';
import { formatError, badArchive } from '../errors.js';

/** compressions a layer may have */
export type Compression = 'gzip' | 'zstd' | 'none';
/** compressions an archive may have (ADD, load): layers' and the ones only their CLIs decode */
export type ArchiveCompression = Compression | 'bzip2' | 'xz';

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);

/** What an archive's first bytes say it is, as Docker's archive.DetectCompression (gzip: 1f 8b 08). */
export function detectCompression(head: Buffer): ArchiveCompression {
  if (head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
  if (head.length >= 6 && head.subarray(0, 6).equals(XZ_MAGIC)) return 'xz';
  return 'none';
}

interface ZstdZlib {
  createZstdDecompress?: () => NodeJS.ReadWriteStream;
}

/** True when this Node can decode zstd layers. */
export function zstdSupported(): boolean {
  return typeof (zlib as unknown as ZstdZlib).createZstdDecompress === 'function';
}

export interface DecompressOptions {
  /** upper bound on uncompressed bytes (gzip-bomb guard) → E_TOO_LARGE */
  maxBytes?: number;
}

export async function decompress(src: Readable, opts: DecompressOptions = {}): Promise<{ compression: Compression; stream: Readable }> {
  const { head, stream } = await peek(src, 6);
  const kind = detectCompression(head);
  let out: Readable;
  switch (kind) {
    case 'gzip':
      out = stream.pipe(zlib.createGunzip({ chunkSize: 256 * 1024 }));
      break;
    case 'zstd': {
      const z = zlib as unknown as ZstdZlib;
      if (!z.createZstdDecompress) throw formatError(`zstd layers need Node >= 22.15 (this is Node ${process.versions.node}); recompress the layer with gzip`, { compression: 'zstd' });
      out = stream.pipe(z.createZstdDecompress()) as unknown as Readable;
      break;
    }
    case 'bzip2':
    case 'xz':
      throw formatError(`${kind} compressed layers are not supported (gzip, zstd on Node >= 22.15, or plain tar)`, { compression: kind });
    default:
      out = stream;
  }
  if (out !== stream) stream.on('error', (e) => out.destroy(e));
  if (opts.maxBytes !== undefined) {
    const lim = new LimitStream(opts.maxBytes, 'uncompressed layer');
    out.on('error', (e) => lim.destroy(e));
    out = out.pipe(lim);
  }
  return { compression: kind, stream: out };
}

/** zlib's own errors (Z_BUF_ERROR on truncation, Z_DATA_ERROR on garbage) as E_BAD_ARCHIVE. */
export function mapZlibError(err: unknown): unknown {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) return badArchive(`corrupt compressed data: ${(err as Error).message}`, { zlib: code }, err);
  return err;
}
