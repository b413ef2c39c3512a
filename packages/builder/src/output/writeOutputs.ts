import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Digest, ImageRecord, LayerStore } from '@tsbuild/layerstore';
import { BuildError } from '../errors.js';
import type { OutputSpec } from '../types.js';
import type { Progress } from '../progress/progress.js';
import { saveImages, type Store } from '@tsbuild/layerstore';
import { writeLocal, writeTar } from './writeFilesystem.js';

/** Tag the image and write every requested output, reporting each as an `export` event. */
export async function writeOutputs(store: LayerStore, image: ImageRecord, opts: { tags: string[]; outputs: OutputSpec[]; progress: Progress; signal?: AbortSignal }): Promise<void> {
  const signal = opts.signal;
  for (const t of opts.tags) await store.tag(t, image.manifestDigest, { signal });
  if (opts.tags.length > 0 || opts.outputs.some((o) => o.type === 'image')) opts.progress.emit({ type: 'export', output: 'image', digest: image.manifestDigest });
  for (const o of opts.outputs) {
    switch (o.type) {
      case 'image':
      case 'registry': // pushed by build() before the outputs are written
        continue;
      case 'local':
        await writeLocal(store, image.layers, o.dest, signal);
        break;
      case 'tar':
        await writeTar(store, image.layers, o.dest, signal);
        break;
      case 'oci':
      case 'docker':
        // the store's saver: tags name the image in the archive, else its digest
        await saveImages(store as Store, opts.tags.length > 0 ? opts.tags : [image.manifestDigest], o.dest, { format: o.type, signal });
        break;
    }
    opts.progress.emit({ type: 'export', output: o.type, dest: o.dest, digest: image.manifestDigest });
  }
}

/** buildx's refusal for several platforms, checked before anything is built (a registry takes the index; a docker archive cannot). */
export function refuseMultiPlatformOutputs(options: { outputs?: readonly OutputSpec[] }): void {
  const outputs = options.outputs ?? [];
  if (outputs.some((o) => o.type === 'docker')) {
    throw new BuildError('E_PLATFORM', 'docker exporter does not currently support exporting manifest lists: build one platform for -o type=docker, or use -o type=oci for several');
  }
}

/**
 * A multi-platform result: tags name the index; type=oci holds the index; type=local/tar one
 * subdirectory per platform (`linux_amd64/`, `linux_arm_v7/`) as buildx writes them.
 */
export async function writeIndexOutputs(store: LayerStore, indexDigest: Digest, images: readonly { platform: { os: string; architecture: string; variant?: string }; image: ImageRecord }[], opts: { tags: string[]; outputs: OutputSpec[]; progress: Progress; signal?: AbortSignal }): Promise<void> {
  const signal = opts.signal;
  for (const t of opts.tags) await store.tag(t, indexDigest, { signal });
  if (opts.tags.length > 0 || opts.outputs.some((o) => o.type === 'image')) opts.progress.emit({ type: 'export', output: 'image', digest: indexDigest });
  const dirName = (p: { os: string; architecture: string; variant?: string }) => [p.os, p.architecture, ...(p.variant ? [p.variant] : [])].join('_');
  for (const o of opts.outputs) {
    switch (o.type) {
      case 'image':
      case 'registry': // pushed (the index and every platform's image) by build() before the outputs are written
        break;
      case 'local':
        for (const i of images) await writeLocal(store, i.image.layers, join(o.dest, dirName(i.platform)), signal);
        break;
      case 'tar':
        await writeTar(store, images.map((i) => ({ dir: dirName(i.platform), layers: i.image.layers })), o.dest, signal);
        break;
      case 'oci':
        await saveImages(store as Store, opts.tags.length > 0 ? opts.tags : [indexDigest], o.dest, { format: 'oci', signal });
        break;
      case 'docker':
        refuseMultiPlatformOutputs({ outputs: [o] });
    }
    if (o.type !== 'image' && o.type !== 'registry') opts.progress.emit({ type: 'export', output: o.type, dest: o.dest, digest: indexDigest });
  }
}

export async function writeTextFile(path: string, text: string): Promise<void> {
  await writeFile(path, text);
}
