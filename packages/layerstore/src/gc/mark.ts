/** Mark: everything reachable from tags, cache records, URL records and live leases. */
import type { Digest } from '../types.js';
import type { StorePaths } from '../paths.js';
import { readIndex } from '../index/index.js';
import { read } from '../content/read.js';
import { isIndex, parseConfig, parseJson, parseManifest } from '../images/parse.js';
import { chainIDs, isDigest } from '../digest.js';
import { listRecords } from '../cache/records.js';
import { listUrlRecords } from '../cache/urls.js';
import { liveLeases } from './leases.js';

export interface Marked {
  blobs: Set<string>;
  snapshots: Set<string>;
  /** cache mounts in use by a live build (`sha256:<hex of the id>`) */
  mounts: Set<string>;
  problems: string[];
}

export async function mark(paths: StorePaths, opts: { keepCache: boolean; ownLease?: string }): Promise<Marked> {
  const blobs = new Set<string>();
  const snapshots = new Set<string>();
  const mounts = new Set<string>();
  const problems: string[] = [];
  const addChain = (diffIDs: Digest[]) => {
    for (const c of chainIDs(diffIDs)) snapshots.add(c);
  };
  const visitManifest = async (digest: Digest): Promise<void> => {
    if (blobs.has(digest)) return;
    blobs.add(digest);
    let buf: Buffer;
    try {
      buf = await read(paths, digest);
    } catch (err) {
      problems.push(`${digest}: ${(err as Error).message}`);
      return;
    }
    const doc = parseJson<{ mediaType?: string; manifests?: { digest: Digest }[] }>(buf, 'manifest');
    if (isIndex(doc)) {
      for (const m of doc.manifests ?? []) await visitManifest(m.digest);
      return;
    }
    const m = parseManifest(buf);
    blobs.add(m.config.digest);
    for (const l of m.layers) blobs.add(l.digest);
    try {
      addChain(parseConfig(await read(paths, m.config.digest)).rootfs.diff_ids);
    } catch (err) {
      problems.push(`${m.config.digest}: ${(err as Error).message}`);
    }
  };
  for (const d of (await readIndex(paths)).manifests) await visitManifest(d.digest);
  if (opts.keepCache) {
    for (const { record } of await listRecords(paths)) {
      if (!record) continue;
      for (const l of record.layers ?? []) blobs.add(l.digest);
      if (record.layers?.length) addChain(record.layers.map((l) => l.diffID));
      collectDigests(record, blobs);
    }
    for (const { record } of await listUrlRecords(paths)) if (record && isDigest(record.digest)) blobs.add(record.digest);
  }
  for (const item of await liveLeases(paths, opts.ownLease)) {
    const [kind, d] = item.split(' ');
    if (!d || !isDigest(d)) continue;
    (kind === 'snapshot' ? snapshots : kind === 'mount' ? mounts : blobs).add(d);
  }
  return { blobs, snapshots, mounts, problems };
}

/** Any digest-looking string anywhere in a record (manifestDigest, configDigest, …) keeps that blob. */
function collectDigests(v: unknown, into: Set<string>, depth = 0): void {
  if (depth > 6) return;
  if (typeof v === 'string') {
    if (isDigest(v)) into.add(v);
  } else if (Array.isArray(v)) {
    for (const x of v) collectDigests(x, into, depth + 1);
  } else if (v && typeof v === 'object') {
    for (const x of Object.values(v)) collectDigests(x, into, depth + 1);
  }
}
