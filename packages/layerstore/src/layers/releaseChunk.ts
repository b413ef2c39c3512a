/**
 * Chunk hand-back between a tar producer and writeLayer, without a new export: a tar stream may
 * carry a function under this registered symbol; writeLayer then calls it with each chunk the
 * stream pushed once no stage reads that chunk's bytes any more (diffID hashed it, gzip copied or
 * deflated it), so the producer can fill the same buffer again. A producer that streams hundreds
 * of MiB through a few recycled buffers leaves no ArrayBuffer garbage behind: dead 1 MiB buffers
 * waiting for V8's GC, then free but unreturned in malloc's arena, were most of a big COPY's RSS.
 * The builder's one-pass COPY (copy/copyToLayer.ts) uses the same key.
 */
import type { Readable } from 'node:stream';

export const RELEASE_CHUNK = Symbol.for('tsbuild.layerstore.releaseChunk');

export function releaseHookOf(stream: Readable): ((chunk: Buffer) => void) | undefined {
  const f = (stream as Readable & { [RELEASE_CHUNK]?: unknown })[RELEASE_CHUNK];
  return typeof f === 'function' ? (f as (chunk: Buffer) => void).bind(stream) : undefined;
}
