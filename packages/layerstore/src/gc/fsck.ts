/**
 * fsck: rehash every blob, check every index → manifest → config/layer reference, snapshots, cache
 * records, URL records, cache mounts and the context hash cache, and report what does not belong
 * under the store's root.
 */
import { createReadStream } from 'node:fs';
import { lstat, open, readdir, readFile, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import type { Digest, FsckProblem } from '../types.js';
import { FORMAT, OBSOLETE, sha256Hex, type StorePaths } from '../paths.js';
import { HashStream } from '../util/streams.js';
import { readIndex } from '../index/index.js';
import { isIndex, parseConfig, parseJson, parseManifest } from '../images/parse.js';
import { chainIDs, isDigest } from '../digest.js';
import { keyHex, listRecords } from '../cache/records.js';
import { listUrlRecords } from '../cache/urls.js';
import { Writable } from 'node:stream';

export async function fsck(paths: StorePaths): Promise<FsckProblem[]> {
  const problems: FsckProblem[] = [];
  const add = (kind: string, path: string, message: string) => problems.push({ kind, path, message });
  try {
    const layout = JSON.parse(await readFile(paths.ociLayout, 'utf8')) as { imageLayoutVersion?: string };
    if (layout.imageLayoutVersion !== '1.0.0') add('layout', paths.ociLayout, `unexpected imageLayoutVersion ${String(layout.imageLayoutVersion)}`);
  } catch (err) {
    add('layout', paths.ociLayout, `missing or invalid oci-layout: ${(err as Error).message}`);
  }
  // 1. every blob hashes to its name
  const present = new Map<string, number>();
  for (const hex of await readdir(paths.blobs).catch(() => [] as string[])) {
    const file = join(paths.blobs, hex);
    if (!/^[0-9a-f]{64}$/.test(hex)) {
      add('stray', file, 'file in blobs/sha256 that is not named by a digest');
      continue;
    }
    const h = new HashStream();
    await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), h, new Writable({ write: (_c, _e, cb) => cb() }));
    if (h.digest() !== `sha256:${hex}`) add('corrupt-blob', file, `content hashes to ${h.digest()}`);
    else present.set(`sha256:${hex}`, h.bytes);
  }
  const need = (d: Digest, size: number | undefined, from: string) => {
    const have = present.get(d);
    if (have === undefined) add('missing-blob', paths.blob(d), `referenced by ${from} but missing or corrupt`);
    else if (size !== undefined && have !== size) add('size-mismatch', paths.blob(d), `${from} declares ${size} bytes, blob has ${have}`);
    return have !== undefined;
  };
  const blobJson = async (d: Digest) => readFile(paths.blob(d));
  const snapshotsWanted = new Set<string>();
  // 2. index → manifests → config + layers
  let idx;
  try {
    idx = await readIndex(paths);
  } catch (err) {
    add('index', paths.index, (err as Error).message);
    idx = { manifests: [] };
  }
  const checkManifest = async (d: Digest, size: number | undefined, from: string): Promise<void> => {
    if (!need(d, size, from)) return;
    try {
      const buf = await blobJson(d);
      const doc = parseJson<{ mediaType?: string; manifests?: { digest: Digest; size: number }[] }>(buf, 'manifest');
      if (isIndex(doc)) {
        for (const m of doc.manifests ?? []) await checkManifest(m.digest, m.size, d);
        return;
      }
      const m = parseManifest(buf);
      for (const l of m.layers) need(l.digest, l.size, d);
      if (!need(m.config.digest, m.config.size, d)) return;
      const cfg = parseConfig(await blobJson(m.config.digest));
      if (cfg.rootfs.diff_ids.length !== m.layers.length) add('config', paths.blob(m.config.digest), `${cfg.rootfs.diff_ids.length} diff_ids for ${m.layers.length} layers`);
      for (const c of chainIDs(cfg.rootfs.diff_ids)) snapshotsWanted.add(c);
    } catch (err) {
      add('manifest', paths.blob(d), (err as Error).message);
    }
  };
  for (const m of idx.manifests) await checkManifest(m.digest, m.size, `index.json (${m.annotations?.['org.opencontainers.image.ref.name'] ?? 'untagged'})`);
  // 3. snapshots: named by a chainID, directories, nothing half-made (those live only in tmp/)
  for (const hex of await readdir(paths.snapshots).catch(() => [] as string[])) {
    const dir = join(paths.snapshots, hex);
    if (!/^[0-9a-f]{64}$/.test(hex)) add('stray', dir, 'entry in snapshots/ that is not named by a chainID');
    else if (!(await stat(dir)).isDirectory()) add('snapshot', dir, 'snapshot is not a directory');
  }
  // 4. cache records: named by sha256(key), their layers present
  for (const { file, record } of await listRecords(paths)) {
    if (!record) add('cache', file, 'unreadable cache record');
    else if (join(paths.cache, `${keyHex(record.key)}.json`) !== file) add('cache', file, 'cache record file name does not match its key');
    else for (const l of record.layers ?? []) need(l.digest, l.size, file);
  }
  // 5. URL records: named by sha256(url), their content present
  for (const { file, name, record } of await listUrlRecords(paths)) {
    if (!record || typeof record.url !== 'string' || !isDigest(record.digest)) add('url-cache', file, 'unreadable URL record');
    else if (name !== `${sha256Hex(record.url)}.json`) add('url-cache', file, 'URL record file name does not match its URL');
    else need(record.digest, record.size, file);
  }
  // 6. cache mounts: directories named by sha256(id)
  for (const hex of await readdir(paths.cacheMounts).catch(() => [] as string[])) {
    const dir = join(paths.cacheMounts, hex);
    if (!/^[0-9a-f]{64}$/.test(hex)) add('stray', dir, 'entry in the cache mounts that is not named by an id hash');
    else if (!(await lstat(dir)).isDirectory()) add('cache-mount', dir, 'cache mount is not a directory');
  }
  // 7. the context hash cache: this format's file (the builder starts afresh from anything else)
  const magic = `TSBCC${FORMAT.contextCache}\n\0`;
  const head = await readHead(paths.contextCache, magic.length);
  if (head !== undefined && head !== magic) add('context-cache', paths.contextCache, `not a format ${FORMAT.contextCache} context hash cache`);
  // 8. nothing else under the root (earlier formats' homes are removed by the next prune)
  const known = paths.entries();
  for (const n of await readdir(paths.root).catch(() => [] as string[])) {
    if (!known.has(n) && !(OBSOLETE as readonly string[]).includes(n)) add('stray', join(paths.root, n), 'not part of the store layout');
  }
  return problems;
}

/** the first `n` bytes of a file as latin1, or undefined when there is no such file */
async function readHead(file: string, n: number): Promise<string | undefined> {
  let h;
  try {
    h = await open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await h.read(buf, 0, n, 0);
    return buf.toString('latin1', 0, bytesRead);
  } finally {
    await h.close();
  }
}
