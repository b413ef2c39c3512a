/** index.json: the OCI image-layout index, one descriptor per tag (ref.name annotation). */
import { readFileSync } from 'node:fs';
import type { Descriptor, Digest } from '../types.js';
import type { StorePaths } from '../paths.js';
import { MEDIA, REF_NAME } from '../images/media.js';
import { atomicWriteFile, errno } from '../util/fs.js';
import { formatError } from '../errors.js';

export interface OciIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export function emptyIndex(): OciIndex {
  return { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [] };
}

export async function readIndex(paths: StorePaths): Promise<OciIndex> {
  let text: string;
  try {
    text = readFileSync(paths.index, 'utf8'); // small; sync is cheaper than four thread-pool round trips
  } catch (err) {
    if (errno(err) === 'ENOENT') return emptyIndex();
    throw err;
  }
  try {
    const idx = JSON.parse(text) as OciIndex;
    if (!Array.isArray(idx.manifests)) throw new Error('no manifests array');
    return idx;
  } catch (err) {
    throw formatError(`${paths.index} is not a valid OCI index: ${(err as Error).message}`);
  }
}

export async function writeIndex(paths: StorePaths, idx: OciIndex): Promise<void> {
  await atomicWriteFile(paths.index, JSON.stringify(idx, null, 2) + '\n', paths.temp('index'));
}

export function refName(d: Descriptor): string | undefined {
  return d.annotations?.[REF_NAME];
}

/** The index with `name` pointing at `desc` (replacing any previous holder of that name). */
export function withTag(idx: OciIndex, name: string, desc: { mediaType: string; digest: Digest; size: number }): OciIndex {
  const manifests = idx.manifests.filter((m) => refName(m) !== name);
  manifests.push({ mediaType: desc.mediaType, digest: desc.digest, size: desc.size, annotations: { [REF_NAME]: name } });
  return { ...idx, manifests };
}

export function withoutTag(idx: OciIndex, name: string): OciIndex {
  return { ...idx, manifests: idx.manifests.filter((m) => refName(m) !== name) };
}
