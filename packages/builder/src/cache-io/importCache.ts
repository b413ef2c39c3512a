/**
 * Read a cache layout (`--cache-from type=local,src=DIR`) into the store: every layer blob is
 * streamed through the store's verified writer (expected digest and size), every record blob is
 * re-hashed and must name the key it is annotated with; records are written only after all
 * blobs passed, and only when every layer they reference is in the store. A layout with a bad
 * blob therefore adds no record at all (E_INTEGRITY). Records the store already has are kept.
 */
import { open, readFile } from 'node:fs/promises';
import pLimit from 'p-limit';
import type { CacheRecord, Descriptor, LayerStore } from '@tsbuild/layerstore';
import { BuildError } from '../errors.js';
import { CacheLayout, SHA256 } from './layout.js';
import { CACHE_KEY_ANNOTATION, CACHE_MEDIA, OCI_MANIFEST } from './media.js';
import type { ImportCacheOptions, ImportCacheResult } from './types.js';

interface ManifestShape { mediaType?: string; artifactType?: string; config?: Descriptor; layers?: Descriptor[] }

export async function importCache(store: LayerStore, opts: ImportCacheOptions): Promise<ImportCacheResult> {
  const layout = new CacheLayout(opts.src);
  const manifests = await readManifests(layout);
  const records: CacheRecord[] = [];
  const blobs = new Map<string, Descriptor>();
  for (const m of manifests) {
    for (const d of m.layers ?? []) {
      checkDescriptor(layout, d);
      if (d.mediaType === CACHE_MEDIA.record) records.push(parseRecord(layout.dir, d, await layout.readVerified(d.digest, d.size)));
      else blobs.set(d.digest, d);
    }
  }

  const limit = pLimit(opts.concurrency ?? 4);
  await Promise.all([...blobs.values()].map((d) => limit(async () => {
    if (await store.hasBlob(d.digest)) return;
    // open first: a missing blob is a clear error here, not an unhandled stream error later
    const fh = await open(layout.blobPath(d.digest), 'r').catch((err: unknown) => {
      throw new BuildError('E_CACHE_IMPORT', `${layout.dir}: blob ${d.digest} is missing`, { cause: err });
    });
    try {
      await store.writeBlob(fh.createReadStream({ autoClose: false }), { expected: d.digest, size: d.size });
    } finally {
      await fh.close();
    }
  })));

  const skipped: string[] = [];
  let written = 0;
  let existing = 0;
  for (const r of records) {
    // what the store already knows wins (a local position record is newer than an imported one)
    if (await store.getCacheRecord(r.key)) { existing++; continue; }
    const present = await Promise.all(r.layers.map((l) => store.hasBlob(l.digest)));
    if (present.includes(false)) { skipped.push(r.key); continue; }
    await store.putCacheRecord(r);
    written++;
  }
  return { records: written, existing, blobs: blobs.size, skipped };
}

async function readManifests(layout: CacheLayout): Promise<ManifestShape[]> {
  let index: { manifests?: Descriptor[] };
  try {
    index = JSON.parse(await readFile(layout.indexPath, 'utf8')) as typeof index;
  } catch (err) {
    throw new BuildError('E_CACHE_IMPORT', `${layout.dir}: not a cache layout (no readable index.json)`, { cause: err });
  }
  const out: ManifestShape[] = [];
  // the descriptor's artifactType is optional (tools such as skopeo drop it when copying a layout):
  // every manifest whose own config says "tsbuild cache" counts, others (images) are ignored
  for (const d of index.manifests ?? []) {
    const artifactType = (d as { artifactType?: string }).artifactType;
    if (d.mediaType !== OCI_MANIFEST || (artifactType !== undefined && artifactType !== CACHE_MEDIA.artifact)) continue;
    checkDescriptor(layout, d);
    const m = JSON.parse((await layout.readVerified(d.digest, d.size)).toString('utf8')) as ManifestShape;
    if (m.config?.mediaType === CACHE_MEDIA.config) out.push(m);
    else if (artifactType === CACHE_MEDIA.artifact) throw new BuildError('E_CACHE_IMPORT', `${layout.dir}: manifest ${d.digest} is not a tsbuild cache manifest`);
  }
  if (out.length === 0) throw new BuildError('E_CACHE_IMPORT', `${layout.dir}: index.json lists no tsbuild cache manifest`);
  return out;
}

function checkDescriptor(layout: CacheLayout, d: Descriptor): void {
  if (!d || typeof d.digest !== 'string' || !SHA256.test(d.digest) || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw new BuildError('E_CACHE_IMPORT', `${layout.dir}: invalid descriptor ${JSON.stringify(d)}`);
  }
}

/** A cache record blob, checked against the key it is annotated with (`where` names its source in errors). */
export function parseRecord(where: string, d: Descriptor, data: Buffer): CacheRecord {
  const bad = (why: string) => new BuildError('E_CACHE_IMPORT', `${where}: cache record ${d.digest}: ${why}`);
  let r: CacheRecord;
  try {
    r = JSON.parse(data.toString('utf8')) as CacheRecord;
  } catch (err) {
    throw new BuildError('E_CACHE_IMPORT', `${where}: cache record ${d.digest} is not JSON`, { cause: err });
  }
  if (!r || typeof r.key !== 'string') throw bad('no key');
  const annotated = d.annotations?.[CACHE_KEY_ANNOTATION];
  if (annotated !== undefined && annotated !== r.key) throw bad(`key ${r.key} does not match its annotation ${annotated}`);
  // position records (`index-…`, inputs for miss explanations) carry no layers; step records do
  if (!Array.isArray(r.layers) || (r.layers.length === 0 && !r.key.startsWith('index-'))) throw bad('no layers');
  for (const l of r.layers) {
    if (!l || !SHA256.test(String(l.digest)) || !SHA256.test(String(l.diffID)) || !Number.isSafeInteger(l.size) || typeof l.mediaType !== 'string') throw bad(`invalid layer ${JSON.stringify(l)}`);
  }
  if (!r.config || typeof r.config !== 'object') throw bad('no config');
  if (typeof r.createdAt !== 'string') throw bad('no createdAt');
  return r;
}
