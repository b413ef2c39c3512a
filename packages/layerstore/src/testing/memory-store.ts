/**
 * MemoryStore: a LayerStore whose blobs, tags, cache records and URL records live in Maps, for unit
 * tests of the builder's solver (cache keys, hits and misses, step order) without root, overlayfs
 * or a store on disk. Layers are kept as given (uncompressed: digest = diffID = sha256 of the tar
 * bytes). What must be a directory for the builder — scratch, cache mounts, the context hash cache,
 * snapshot dirs — is under `scratch`; snapshots are empty directories (layers are not unpacked),
 * so a fake Snapshotter/DiffFn must not expect the lower layers' files.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { CacheRecord, Digest, FsckProblem, GcStats, ImageConfig, ImageRecord, ImageSummary, LayerRef, LayerStore, LayerWriteOptions, UrlRecord } from '../types.js';
import { chainIDs, hexOf, isDigest, sha256 } from '../digest.js';
import { putImage } from '../images/put.js';
import { layerRefs, parseConfig, parseManifest } from '../images/parse.js';
import { normalizeRef } from '../images/reference.js';
import { MEDIA } from '../images/media.js';
import { sha256Hex } from '../paths.js';
import { integrityError, notFound } from '../errors.js';

export class MemoryStore implements LayerStore {
  readonly root: string;
  readonly blobs = new Map<string, Buffer>();
  readonly tags = new Map<string, Digest>();
  readonly records = new Map<string, CacheRecord>();
  readonly urls = new Map<string, UrlRecord>();
  /** every writeLayer call's result, in order (what the solver committed) */
  readonly layersWritten: LayerRef[] = [];
  /** cache-record lookups, in order (a hit or a miss each) */
  readonly lookups: { key: string; hit: boolean }[] = [];

  /** `scratch`: the directory for what the builder needs on disk (default: a fresh temp dir) */
  constructor(scratch?: string) {
    this.root = scratch ?? mkdtempSync(join(tmpdir(), 'tsbuild-memstore-'));
    mkdirSync(join(this.root, 'tmp'), { recursive: true });
  }

  /** remove the scratch directory */
  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  async hasBlob(digest: Digest): Promise<boolean> {
    return this.blobs.has(digest);
  }

  async writeBlob(data: Buffer | Readable, opts: { expected?: Digest; size?: number } = {}): Promise<{ digest: Digest; size: number }> {
    const buf = Buffer.isBuffer(data) ? data : await collect(data);
    const digest = sha256(buf);
    if (opts.expected && opts.expected !== digest) throw integrityError(`blob content hashes to ${digest}, expected ${opts.expected}`, { expected: opts.expected, actual: digest });
    if (opts.size !== undefined && opts.size !== buf.length) throw integrityError(`blob has ${buf.length} bytes, declared ${opts.size}`);
    this.blobs.set(digest, buf);
    return { digest, size: buf.length };
  }

  async readBlob(digest: Digest): Promise<Buffer> {
    const b = this.blobs.get(digest);
    if (!b) throw notFound(`blob ${digest} is not in the store`, { digest });
    return b;
  }

  blobStream(digest: Digest): Readable {
    const b = this.blobs.get(digest);
    if (!b) throw notFound(`blob ${digest} is not in the store`, { digest });
    return Readable.from([b]);
  }

  /** a file holding the blob (written on first ask: ADD <url> hands the path to the copier) */
  blobPath(digest: Digest): string {
    const file = join(this.root, 'blobs', hexOf(digest));
    const b = this.blobs.get(digest);
    if (b) {
      mkdirSync(join(this.root, 'blobs'), { recursive: true });
      writeFileSync(file, b);
    }
    return file;
  }

  async writeLayer(tar: Readable, _opts: LayerWriteOptions = {}): Promise<LayerRef> {
    const { digest, size } = await this.writeBlob(tar);
    const ref: LayerRef = { digest, diffID: digest, size, mediaType: MEDIA.ociLayer };
    this.layersWritten.push(ref);
    return ref;
  }

  async ensureSnapshots(layers: LayerRef[]): Promise<string[]> {
    return chainIDs(layers.map((l) => l.diffID)).map((c) => {
      const dir = join(this.root, 'snapshots', hexOf(c));
      mkdirSync(dir, { recursive: true });
      return dir;
    });
  }

  async extractLayers(_layers: LayerRef[], dest: string): Promise<void> {
    mkdirSync(dest, { recursive: true });
  }

  putImage(config: ImageConfig, layers: LayerRef[]): Promise<ImageRecord> {
    return putImage(this, config, layers);
  }

  async getImage(nameOrDigest: string): Promise<ImageRecord | undefined> {
    let digest: Digest | undefined = isDigest(nameOrDigest) ? nameOrDigest : undefined;
    if (!digest) {
      try {
        digest = this.tags.get(normalizeRef(nameOrDigest));
      } catch {
        return undefined;
      }
    }
    if (!digest || !this.blobs.has(digest)) return undefined;
    const manifest = parseManifest(this.blobs.get(digest)!);
    const config = parseConfig(await this.readBlob(manifest.config.digest));
    return { manifestDigest: digest, manifest, configDigest: manifest.config.digest, config, layers: layerRefs(manifest, config) };
  }

  async tag(name: string, manifestDigest: Digest): Promise<void> {
    if (!this.blobs.has(manifestDigest)) throw notFound(`cannot tag ${name}: manifest ${manifestDigest} is not in the store`);
    this.tags.set(normalizeRef(name), manifestDigest);
  }

  async untag(name: string): Promise<boolean> {
    return this.tags.delete(normalizeRef(name));
  }

  async listImages(): Promise<ImageSummary[]> {
    const out: ImageSummary[] = [];
    for (const [name, d] of this.tags) {
      const img = await this.getImage(d);
      if (img) out.push({ name, id: img.configDigest, manifestDigest: d, configDigest: img.configDigest, created: img.config.created, size: img.layers.reduce((n, l) => n + l.size, 0) });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async putCacheRecord(record: CacheRecord): Promise<void> {
    this.records.set(record.key, JSON.parse(JSON.stringify(record)) as CacheRecord);
  }

  async getCacheRecord(key: string): Promise<CacheRecord | undefined> {
    const rec = this.records.get(key);
    this.lookups.push({ key, hit: rec !== undefined });
    return rec;
  }

  async cacheMountDir(id: string): Promise<string> {
    const dir = join(this.root, 'cache-mounts', sha256Hex(id));
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  async getUrlRecord(url: string): Promise<UrlRecord | undefined> {
    const r = this.urls.get(url);
    return r && this.blobs.has(r.digest) ? r : undefined;
  }

  async putUrlRecord(record: UrlRecord): Promise<void> {
    this.urls.set(record.url, { ...record });
  }

  contextCacheFile(): string {
    return join(this.root, 'context-cache.bin');
  }

  /** keeps what tags reach, and with `all: false` what cache and URL records reach */
  async gc(opts: { all?: boolean } = {}): Promise<GcStats> {
    const stats: GcStats = { blobsRemoved: 0, snapshotsRemoved: 0, cacheRecordsRemoved: 0, cacheMountsRemoved: 0, urlRecordsRemoved: 0, bytesFreed: 0 };
    if (opts.all) {
      stats.cacheRecordsRemoved = this.records.size;
      stats.urlRecordsRemoved = this.urls.size;
      this.records.clear();
      this.urls.clear();
    }
    const keep = new Set<string>();
    for (const d of this.tags.values()) {
      const img = await this.getImage(d);
      if (!img) continue;
      for (const x of [d, img.configDigest, ...img.layers.map((l) => l.digest)]) keep.add(x);
    }
    for (const r of this.records.values()) for (const l of r.layers) keep.add(l.digest);
    for (const u of this.urls.values()) keep.add(u.digest);
    for (const [d, b] of this.blobs) {
      if (keep.has(d)) continue;
      this.blobs.delete(d);
      stats.blobsRemoved++;
      stats.bytesFreed += b.length;
    }
    return stats;
  }

  async fsck(): Promise<FsckProblem[]> {
    const problems: FsckProblem[] = [];
    for (const [d, b] of this.blobs) if (sha256(b) !== d) problems.push({ kind: 'corrupt-blob', path: d, message: 'content does not hash to its digest' });
    return problems;
  }

  tmpDir(): string {
    return join(this.root, 'tmp');
  }

  async close(): Promise<void> {
    // nothing is leased
  }
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}
