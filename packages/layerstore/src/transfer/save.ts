/**
 * `tsbuild save`: stream images into a tar. Both formats hold an OCI image layout
 * (oci-layout, index.json, blobs/sha256/…, layers stay gzip: byte-identical digests);
 * 'docker' adds manifest.json (what `docker load` reads, it accepts gzip layers).
 */
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import type { Readable } from 'node:stream';
import { TarPack } from '../tar/pack.js';
import type { Descriptor, Digest, ImageRecord } from '../types.js';
import type { Store } from '../store.js';
import { normalizeRef } from '../images/reference.js';
import { MEDIA, REF_NAME } from '../images/media.js';
import { notFound } from '../errors.js';
import { fsyncPath } from '../util/fs.js';
import { VerifyStream } from '../util/streams.js';
import { cancellable, cancelledError, onAbort } from '../util/abort.js';

export type ArchiveFormat = 'docker' | 'oci';
export interface SaveOptions {
  format?: ArchiveFormat;
  /** cancels the save: it stops at once (a write blocked on a slow reader too), the partial file is removed → E_CANCELLED */
  signal?: AbortSignal;
}


export async function saveImages(store: Store, names: string[], dest: string, opts: SaveOptions = {}): Promise<ImageRecord[]> {
  const tmp = join(dirname(dest), `.${basename(dest)}.tmp-${process.pid}`);
  const ws = createWriteStream(tmp, { mode: 0o644 });
  try {
    const recs = await saveImagesTo(store, names, ws, opts);
    await fsyncPath(tmp);
    // cancelled while the archive was flushed: it does not appear
    if (opts.signal?.aborted) throw cancelledError('save', opts.signal);
    await rename(tmp, dest);
    return recs;
  } finally {
    // closed before it is removed (a failed or cancelled save leaves neither the file nor an fd)
    if (!ws.closed) await new Promise<void>((resolve) => ws.destroy().once('close', () => resolve()));
    await rm(tmp, { force: true }).catch(() => {});
  }
}

/** Stream the archive into `out` (a file, stdout, a socket); resolves once `out` has finished. */
export function saveImagesTo(store: Store, names: string[], out: NodeJS.WritableStream, opts: SaveOptions = {}): Promise<ImageRecord[]> {
  return cancellable('save', opts.signal, () => saveInner(store, names, out, opts));
}

async function saveInner(store: Store, names: string[], out: NodeJS.WritableStream, opts: SaveOptions): Promise<ImageRecord[]> {
  const format = opts.format ?? 'docker';
  const images: { ref?: string; rec: ImageRecord; index?: { digest: Digest; recs: ImageRecord[] } }[] = [];
  for (const n of names) {
    const rec = await store.getImage(n);
    if (!rec) throw notFound(`image ${n} is not in the store`, { name: n });
    // an index (a multi-platform build) stays one in an OCI archive; docker-archive holds this machine's image
    const digest = format === 'oci' ? await store.resolve(n) : undefined;
    const entries = digest ? await store.indexEntries(digest) : undefined;
    const index = digest && entries ? { digest, recs: await Promise.all(entries.map((e) => store.loadImage(e.digest))) } : undefined;
    let ref: string | undefined;
    try {
      if (!/^(sha256:)?[0-9a-f]{4,64}$/.test(n)) ref = normalizeRef(n);
    } catch {
      ref = undefined;
    }
    images.push({ ref, rec, index });
  }
  const pack = new TarPack();
  // a cancel stops the blob being read and the archive being written: the packer's ready() and
  // entryFrom() then reject, and so does `done`
  let reading: Readable | undefined;
  const detach = onAbort(opts.signal, (err) => {
    reading?.destroy(err);
    pack.destroy(err);
  });
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', () => resolve());
    out.on('error', reject);
    pack.on('error', reject);
  });
  // a consumer that failed (a closed socket) reads no more: end the packer so no entry waits for it
  out.on('error', (err: Error) => pack.destroy(err));
  done.catch(() => {});
  pack.pipe(out);
  try {
    const addBytes = async (name: string, data: Buffer) => {
      await pack.ready();
      pack.entry({ name, mode: 0o644, mtime: 0 }, data);
    };
    const written = new Set<string>();
    const addBlob = async (d: Digest) => {
      if (written.has(d)) return;
      written.add(d);
      const { size } = await stat(store.blobPath(d));
      await pack.ready();
      // verified while it streams: a corrupt blob fails the save (the caller removes the partial
      // archive) instead of shipping bytes that do not match their digest
      const src = store.blobStream(d);
      reading = src;
      const verify = new VerifyStream(d, size);
      src.on('error', (err) => verify.destroy(err));
      await pack.entryFrom({ name: `blobs/sha256/${d.slice(7)}`, size, mode: 0o644, mtime: 0 }, src.pipe(verify));
    };
    await addBytes('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
    const index: Descriptor[] = [];
    const dockerManifest: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
    for (const { ref, rec, index: platforms } of images) {
      if (platforms) {
        // a multi-platform image in an OCI archive: its index and every platform's image
        for (const p of platforms.recs) {
          await addBlob(p.configDigest);
          for (const l of p.layers) await addBlob(l.digest);
          await addBlob(p.manifestDigest);
        }
        await addBlob(platforms.digest);
        const size = (await stat(store.blobPath(platforms.digest))).size;
        index.push({ mediaType: MEDIA.ociIndex, digest: platforms.digest, size, annotations: ref ? { [REF_NAME]: ref, 'io.containerd.image.name': ref } : undefined });
        continue;
      }
      await addBlob(rec.configDigest);
      for (const l of rec.layers) await addBlob(l.digest);
      await addBlob(rec.manifestDigest);
      const size = (await stat(store.blobPath(rec.manifestDigest))).size;
      index.push({ mediaType: rec.manifest.mediaType ?? MEDIA.ociManifest, digest: rec.manifestDigest, size, annotations: ref ? { [REF_NAME]: ref, 'io.containerd.image.name': ref } : undefined });
      const prev = dockerManifest.find((m) => m.Config === `blobs/sha256/${rec.configDigest.slice(7)}`);
      if (prev && ref) prev.RepoTags = [...(prev.RepoTags ?? []), ref];
      else if (!prev) dockerManifest.push({ Config: `blobs/sha256/${rec.configDigest.slice(7)}`, RepoTags: ref ? [ref] : null, Layers: rec.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`) });
    }
    await addBytes('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: index })));
    if (format === 'docker') await addBytes('manifest.json', Buffer.from(JSON.stringify(dockerManifest)));
    pack.finalize();
    await done;
    return images.map((i) => i.rec);
  } catch (err) {
    reading?.destroy();
    pack.destroy();
    throw err;
  } finally {
    detach();
  }
}
