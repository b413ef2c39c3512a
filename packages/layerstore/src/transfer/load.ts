/**
 * `tsbuild load -i FILE`: a docker-archive (manifest.json; classic `<id>/layer.tar` or
 * blobs/sha256 style) or an OCI archive (oci-layout + index.json), optionally gzipped, in ONE
 * streaming pass: every blob is verified against its name while it is written, every layer's
 * diffID computed on the way and checked against the config. On any failure the blobs this
 * load added are removed again: the store is left as it was.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseTar, type TarHeader, type TarSink } from '../tar/reader.js';
import type { Digest, ImageRecord, LayerRef, Manifest, Descriptor } from '../types.js';
import type { Store } from '../store.js';
import { decompress, detectCompression, mapZlibError } from '../layers/decompress.js';
import { HashStream, peek } from '../util/streams.js';
import { safeEntryName } from '../fs/scoped.js';
import { badArchive, integrityError, formatError, notFound } from '../errors.js';
import { isIndex, parseConfig, parseJson, parseManifest, pickPlatform } from '../images/parse.js';
import { normalizeRef } from '../images/reference.js';
import { MEDIA, REF_NAME } from '../images/media.js';
import { errno } from '../util/fs.js';
import { liveLeases } from '../gc/leases.js';
import { cancellable, onAbort } from '../util/abort.js';

export interface LoadOptions {
  /** bound on each layer's uncompressed size (gzip-bomb guard) → E_TOO_LARGE */
  maxLayerBytes?: number;
  /** cancels the load: reading stops at once, the blobs it added are removed → E_CANCELLED */
  signal?: AbortSignal;
}
/** `index`: the archive held a whole image index (every platform's image): the name points at it, `record` is this machine's image */
export interface LoadResult { images: { name?: string; record: ImageRecord; index?: Digest }[] }

interface BlobInfo { digest: Digest; size: number; diffID?: Digest; compressed: boolean }

const SMALL = new Set(['manifest.json', 'index.json', 'oci-layout', 'repositories']);
const MAX_JSON = 16 << 20;

export async function loadArchive(store: Store, file: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  await new Promise<void>((resolve, reject) => {
    raw.once('open', () => resolve());
    raw.once('error', (err) => reject(errno(err) === 'ENOENT' ? notFound(`no such file: ${file}`, { path: file }) : err));
  });
  return loadArchiveFrom(store, raw, file, opts);
}

/** Load from any stream (stdin, a socket); `label` names it in errors. */
export async function loadArchiveFrom(store: Store, raw: Readable, label = 'archive', opts: LoadOptions = {}): Promise<LoadResult> {
  const added: Digest[] = [];
  // a cancel ends the read; the load then fails as on a truncated archive and cleans up below
  const detach = onAbort(opts.signal, (err) => raw.destroy(err));
  try {
    return await cancellable('load', opts.signal, () => loadInner(store, raw, label, opts, added));
  } catch (e) {
    const err = mapZlibError(e);
    // blobs another live process uses stay; ours go (nothing was tagged yet)
    const leased = await liveLeases(store.paths, store.leaseFile).catch(() => new Set<string>());
    for (const d of added) if (!leased.has(`blob ${d}`)) await rm(store.blobPath(d), { force: true });
    throw err;
  } finally {
    detach();
  }
}

async function loadInner(store: Store, raw: Readable, file: string, opts: LoadOptions, added: Digest[]): Promise<LoadResult> {
  const { stream } = await decompress(raw);
  const small = new Map<string, Buffer>();
  const byPath = new Map<string, BlobInfo>();
  let entries = 0;
  /** the entry being read: its body stream and the handler consuming it */
  let cur: { body: PassThrough; handled: Promise<void> } | undefined;
  /** every handler not yet settled: the current one, and one whose body has ended but is still storing */
  const inflight = new Set<Promise<void>>();
  const sink: TarSink = {
    entry: (h) => {
      entries++;
      const body = new PassThrough({ highWaterMark: 1 << 20 });
      body.on('error', () => {}); // the handler's failure is the one reported
      const handled = handle(h, body).finally(() => body.resume());
      handled.catch(() => {}); // observed in data()/end()
      inflight.add(handled);
      void handled.finally(() => inflight.delete(handled)).catch(() => {});
      cur = { body, handled };
    },
    data: (c) => {
      if (cur && !cur.body.write(c)) {
        const { body, handled } = cur;
        return Promise.race([new Promise<void>((resolve) => body.once('drain', resolve)), handled]);
      }
    },
    end: async () => {
      if (!cur) return;
      const { body, handled } = cur;
      cur = undefined;
      body.end();
      await handled;
    },
  };
  const done = parseTar(stream, sink).catch((err: Error & { code?: string }) => {
    cur?.body.destroy();
    throw err.code?.startsWith('E_') ? err : badArchive(`not a valid image archive: ${err.message}`, { file }, err);
  });

  async function handle(h: TarHeader, body: Readable): Promise<void> {
    const name = safeEntryName(h.name);
    if (h.type !== 'file' && h.type !== 'contiguous-file') return void body.resume();
    if (SMALL.has(name) || (name.endsWith('.json') && !name.startsWith('blobs/'))) {
      if ((h.size ?? 0) > MAX_JSON) throw badArchive(`${name} is too large for a metadata file`);
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(c as Buffer);
      const buf = Buffer.concat(chunks);
      small.set(name, buf);
      if (!SMALL.has(name)) byPath.set(name, await storeBlob(buf, undefined, buf.length));
      return;
    }
    const m = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(name);
    if (m) return void byPath.set(name, await storeBlob(body, `sha256:${m[1]}` as Digest, h.size ?? 0));
    // classic docker-archive layers (`<id>/layer.tar`); `<id>/json`, `<id>/VERSION` are legacy metadata we do not need
    if (name.endsWith('.tar') || name.endsWith('.tar.gz')) return void byPath.set(name, await storeBlob(body, undefined, h.size ?? 0, true));
    body.resume();
  }

  /** Store one blob verbatim (verified against `expected`); layers also get their diffID computed. */
  async function storeBlob(data: Buffer | Readable, expected: Digest | undefined, size: number, compressTar = false): Promise<BlobInfo> {
    const src = Buffer.isBuffer(data) ? Readable.from([data]) : data;
    const { head, stream: s } = await peek(src, 512);
    const kind = detectCompression(head);
    const isTar = head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar';
    if (isTar && compressTar) {
      // classic docker-archive `<id>/layer.tar`: store it gzip'd like any layer we write
      // a layer the store already has (the same base in many archives) is not ours to remove on failure
      let had = false;
      const ref = await store.writeLayer(s, { validate: true, beforeCommit: async (d) => void (had = await store.hasBlob(d)) });
      if (!had) added.push(ref.digest);
      return { digest: ref.digest, size: ref.size, diffID: ref.diffID, compressed: true };
    }
    const had = expected ? await store.hasBlob(expected) : false;
    if (kind === 'none' && !isTar) {
      const r = await store.writeBlob(s, { expected, size });
      if (!had) added.push(r.digest);
      return { digest: r.digest, size: r.size, compressed: false };
    }
    // a layer: write it as-is while hashing what it decompresses to
    const toBlob = new PassThrough();
    const toDiff = new PassThrough();
    // a failed or cancelled input destroys both (below); their readers (the blob write, the diff
    // hashing) report it — one that has stopped listening must not make it an uncaught 'error'
    toBlob.on('error', () => {});
    toDiff.on('error', () => {});
    s.on('data', (c: Buffer) => {
      const a = toBlob.write(c);
      const b = toDiff.write(c);
      if (!a || !b) {
        s.pause();
        let waiting = (a ? 0 : 1) + (b ? 0 : 1);
        const resume = () => --waiting === 0 && s.resume();
        if (!a) toBlob.once('drain', resume);
        if (!b) toDiff.once('drain', resume);
      }
    });
    s.on('end', () => {
      toBlob.end();
      toDiff.end();
    });
    s.on('error', (e) => {
      toBlob.destroy(e);
      toDiff.destroy(e);
    });
    const diff = new HashStream();
    const hashing = (async () => {
      const { stream: plain } = await decompress(toDiff, { maxBytes: opts.maxLayerBytes });
      await pipeline(plain, diff, new Writable({ write: (_c, _e, cb) => cb() }));
    })();
    const [w, hd] = await Promise.allSettled([store.writeBlob(toBlob, { expected, size }), hashing]);
    if (w.status === 'fulfilled' && !had) added.push(w.value.digest);
    if (hd.status === 'rejected') throw hd.reason;
    if (w.status === 'rejected') throw w.reason;
    return { digest: w.value.digest, size: w.value.size, diffID: diff.digest(), compressed: kind !== 'none' };
  }

  try {
    await done;
  } catch (err) {
    // the input failed (or a cancel destroyed it): wait for every entry still being stored — the one
    // it ended, and one whose body had ended and was being written when the parser failed (end()
    // had let go of it) — to commit (its blob is then in `added`) or remove its temp file, before
    // the caller cleans up
    await Promise.allSettled([...inflight]);
    throw err;
  }
  if (entries === 0) throw badArchive(`${file} is empty`);
  const images: LoadResult['images'] = [];
  const byDigest = new Map<string, BlobInfo>();
  for (const b of byPath.values()) byDigest.set(b.digest, b);

  const checkLayers = (layers: Descriptor[], diffIDs: Digest[], where: string): LayerRef[] => {
    if (layers.length !== diffIDs.length) throw formatError(`${where}: ${layers.length} layers but ${diffIDs.length} diff_ids`);
    return layers.map((l, i) => {
      const info = byDigest.get(l.digest);
      if (!info) throw badArchive(`${where}: layer ${l.digest} is not in the archive`);
      if (info.diffID && info.diffID !== diffIDs[i]) throw integrityError(`${where}: layer ${l.digest} has diffID ${info.diffID}, config says ${diffIDs[i]}`);
      if (l.size !== info.size) throw integrityError(`${where}: layer ${l.digest} is ${info.size} bytes, manifest says ${l.size}`);
      return { digest: l.digest, diffID: diffIDs[i]!, size: l.size, mediaType: l.mediaType };
    });
  };

  const indexBuf = small.get('index.json');
  const manifestJson = small.get('manifest.json');
  if (indexBuf && small.has('oci-layout')) {
    const idx = parseJson<{ manifests: Descriptor[] }>(indexBuf, 'index.json');
    for (const d of idx.manifests ?? []) {
      let desc = d;
      let buf = await store.readBlob(d.digest).catch(() => undefined);
      if (!buf) throw badArchive(`index.json names ${d.digest}, which is not in the archive`);
      const doc = parseJson<{ mediaType?: string; manifests?: Descriptor[] }>(buf, 'manifest');
      // a multi-platform archive (tsbuild's or buildx's -o type=oci, skopeo copy --all): kept as an
      // index when every entry's manifest, config and layers are in it; else this machine's image
      if (isIndex(doc) && (doc.manifests ?? []).length > 0 && (await completeIndex(store, doc.manifests!, checkLayers))) {
        const pick = pickPlatform(doc.manifests!)!;
        images.push({ name: tagName(d.annotations), record: await store.loadImage(pick.digest), index: d.digest });
        continue;
      }
      if (isIndex(doc)) {
        const pick = pickPlatform(doc.manifests ?? []);
        if (!pick) throw formatError(`image index ${d.digest} lists no manifests`);
        buf = await store.readBlob(pick.digest);
        desc = { ...pick, annotations: d.annotations };
      }
      const manifest: Manifest = parseManifest(buf);
      const config = parseConfig(await store.readBlob(manifest.config.digest));
      checkLayers(manifest.layers, config.rootfs.diff_ids, desc.digest);
      const record = await store.loadImage(desc.digest);
      images.push({ name: tagName(d.annotations), record });
    }
    if (!manifestJson || images.length) return tagAll(store, images);
  }
  if (!manifestJson) throw badArchive(`${file} has neither manifest.json nor an OCI index`);
  const entriesJ = parseJson<{ Config: string; RepoTags?: string[] | null; Layers: string[] }[]>(manifestJson, 'manifest.json');
  if (!Array.isArray(entriesJ)) throw badArchive('manifest.json is not a list');
  for (const e of entriesJ) {
    const cfgInfo = byPath.get(safeEntryName(e.Config));
    if (!cfgInfo) throw badArchive(`manifest.json names config ${e.Config}, which is not in the archive`);
    const cfgBytes = await store.readBlob(cfgInfo.digest);
    const config = parseConfig(cfgBytes);
    const layerDescs: Descriptor[] = e.Layers.map((p) => {
      const info = byPath.get(safeEntryName(p));
      if (!info) throw badArchive(`manifest.json names layer ${p}, which is not in the archive`);
      return { mediaType: info.compressed ? MEDIA.ociLayerGzip : MEDIA.ociLayer, digest: info.digest, size: info.size };
    });
    const layers = checkLayers(layerDescs, config.rootfs.diff_ids, e.Config);
    const record = await store.putImageConfigBytes(cfgBytes, layers);
    const tags = (e.RepoTags ?? []).map((t) => normalizeRef(t));
    if (tags.length === 0) images.push({ record });
    for (const t of tags) images.push({ name: t, record });
  }
  return tagAll(store, images);
}

/** Every entry of an index is a whole image in the archive (checked as a single image is). */
async function completeIndex(store: Store, entries: Descriptor[], checkLayers: (layers: Descriptor[], diffIDs: Digest[], where: string) => LayerRef[]): Promise<boolean> {
  for (const e of entries) {
    // an absent blob, an attestation manifest (in-toto layers), any entry that does not check out:
    // not kept as an index (the image for this machine is still checked as before)
    try {
      const manifest = parseManifest(await store.readBlob(e.digest));
      checkLayers(manifest.layers, parseConfig(await store.readBlob(manifest.config.digest)).rootfs.diff_ids, e.digest);
    } catch {
      return false;
    }
  }
  return true;
}

/** Tags go last, once every image in the archive checked out. */
async function tagAll(store: Store, images: LoadResult['images']): Promise<LoadResult> {
  for (const i of images) if (i.name) await store.tag(i.name, i.index ?? i.record.manifestDigest);
  return { images };
}

function tagName(ann: Record<string, string> | undefined): string | undefined {
  const full = ann?.['io.containerd.image.name'] ?? ann?.[REF_NAME];
  if (!full) return undefined;
  try {
    return normalizeRef(full);
  } catch {
    return undefined;
  }
}
