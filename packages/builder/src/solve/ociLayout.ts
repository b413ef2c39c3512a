/**
 * `--build-context NAME=oci-layout://DIR[:TAG|@DIGEST]`: an image in an OCI image layout directory,
 * its blobs copied into the store (verified against their digests, untagged: nothing the user sees
 * changes) so FROM NAME / COPY --from=NAME use it like a store image. A multi-platform index gives
 * the host's platform; a layout with several images needs the TAG (ref.name) or DIGEST.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Digest, ImageConfig, LayerRef, LayerStore } from '@tsbuild/layerstore';
import { BuildError } from '../errors.js';

interface Descriptor { mediaType?: string; digest: string; size: number; annotations?: Record<string, string>; platform?: { os?: string; architecture?: string } }
const REF_NAME = 'org.opencontainers.image.ref.name';
const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

/** Parse `DIR[:TAG|@sha256:…]` (a `:` after the last `/` is a tag, as buildx reads it). */
export function splitLayoutRef(value: string): { dir: string; ref?: string } {
  const at = value.lastIndexOf('@');
  if (at > 0 && /^sha256:[0-9a-f]{64}$/.test(value.slice(at + 1))) return { dir: value.slice(0, at), ref: value.slice(at + 1) };
  const colon = value.lastIndexOf(':');
  if (colon > value.lastIndexOf('/') && colon > 0) return { dir: value.slice(0, colon), ref: value.slice(colon + 1) };
  return { dir: value };
}

export async function importOciLayout(store: LayerStore, dir: string, ref: string | undefined, platform: { os: string; architecture: string }): Promise<Digest> {
  const fail = (msg: string, cause?: unknown): never => {
    throw new BuildError('E_CONTEXT', `oci-layout://${dir}${ref ? `:${ref}` : ''}: ${msg}`, { data: { path: dir, hint: 'give an OCI image layout directory (oci-layout and index.json), e.g. from skopeo copy ... oci:DIR:TAG' }, cause });
  };
  const blobPath = (d: string) => {
    if (!/^sha256:[0-9a-f]{64}$/.test(d)) fail(`invalid digest ${JSON.stringify(d)}`);
    return join(dir, 'blobs', 'sha256', d.slice(7));
  };
  const readJson = <T>(path: string): T => {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as T;
    } catch (err) {
      return fail(`cannot read ${path}: ${(err as Error).message}`, err);
    }
  };
  const index = readJson<{ manifests?: Descriptor[] }>(join(dir, 'index.json'));
  const all = index.manifests ?? [];
  let desc: Descriptor | undefined;
  if (ref?.startsWith('sha256:')) desc = all.find((m) => m.digest === ref);
  else if (ref) desc = all.find((m) => m.annotations?.[REF_NAME] === ref || m.annotations?.[REF_NAME]?.endsWith(`:${ref}`));
  else if (all.length === 1) desc = all[0];
  else fail(all.length === 0 ? 'the layout holds no image' : `the layout holds ${all.length} images: name one as oci-layout://${dir}:TAG or @sha256:…`);
  if (!desc) return fail(`no image ${ref} in the layout`);
  // an index (multi-platform): the host's platform
  for (let depth = 0; desc && INDEX_TYPES.has(desc.mediaType ?? ''); depth++) {
    if (depth > 4) fail('nested indexes too deep');
    const sub: { manifests?: Descriptor[] } = readJson(blobPath(desc.digest));
    desc = (sub.manifests ?? []).find((m) => m.platform?.os === platform.os && m.platform?.architecture === platform.architecture);
    if (!desc) fail(`no image for ${platform.os}/${platform.architecture} in the index`);
  }
  const manifest = readJson<{ config: Descriptor; layers: Descriptor[] }>(blobPath(desc!.digest));
  const configBytes = readFileSync(blobPath(manifest.config.digest));
  await store.writeBlob(configBytes, { expected: manifest.config.digest as Digest, size: manifest.config.size });
  const config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
  const diffIDs = config.rootfs?.diff_ids ?? [];
  if (diffIDs.length !== manifest.layers.length) fail('the config\'s rootfs.diff_ids do not match the manifest\'s layers');
  const layers: LayerRef[] = [];
  for (const [i, l] of manifest.layers.entries()) {
    // streamed and verified: a layer need not fit in memory, and a corrupt one is E_INTEGRITY
    if (!(await store.hasBlob(l.digest as Digest))) await store.writeBlob(createReadStream(blobPath(l.digest)), { expected: l.digest as Digest, size: l.size });
    layers.push({ digest: l.digest as Digest, diffID: diffIDs[i]!, size: l.size, mediaType: l.mediaType ?? 'application/vnd.oci.image.layer.v1.tar+gzip' });
  }
  const record = await store.putImage(config, layers);
  return record.manifestDigest;
}
