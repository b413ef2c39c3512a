import { writeFile } from 'node:fs/promises';
import type { ImageRecord, LayerStore } from '@tsbuild/layerstore';
import type { OutputSpec } from '../types.js';
import type { Progress } from '../progress/progress.js';
import { saveImages, type Store } from '@tsbuild/layerstore';
import { writeLocal, writeTar } from './writeFilesystem.js';

/** Tag the image and write every requested output, reporting each as an `export` event. */
export async function writeOutputs(store: LayerStore, image: ImageRecord, opts: { tags: string[]; outputs: OutputSpec[]; progress: Progress }): Promise<void> {
  for (const t of opts.tags) await store.tag(t, image.manifestDigest);
  if (opts.tags.length > 0 || opts.outputs.some((o) => o.type === 'image')) opts.progress.emit({ type: 'export', output: 'image', digest: image.manifestDigest });
  for (const o of opts.outputs) {
    switch (o.type) {
      case 'image':
      case 'registry': // pushed by build() before the outputs are written
        continue;
      case 'local':
        await writeLocal(store, image.layers, o.dest);
        break;
      case 'tar':
        await writeTar(store, image.layers, o.dest);
        break;
      case 'oci':
      case 'docker':
        // the store's saver: tags name the image in the archive, else its digest
        await saveImages(store as Store, opts.tags.length > 0 ? opts.tags : [image.manifestDigest], o.dest, { format: o.type });
        break;
    }
    opts.progress.emit({ type: 'export', output: o.type, dest: o.dest, digest: image.manifestDigest });
  }
}

export async function writeTextFile(path: string, text: string): Promise<void> {
  await writeFile(path, text);
}
