/**
 * The image store as a library user (and the CLI's store commands) sees it: list, inspect, tag,
 * remove, import, save, load, prune, fsck. A thin layer over @tsbuild/layerstore: it adds no
 * storage logic, only the user-facing shapes and errors (a missing image is E_NOT_FOUND, not
 * `undefined`), so `tsbuild images` and `store.list()` can never disagree.
 */
import type { Readable, Writable } from 'node:stream';
import { toTsbuildError } from '@tsbuild/errors';
import {
  StoreError,
  cancellable,
  importRootfs,
  loadArchive,
  loadArchiveFrom,
  openStore as openLayerStore,
  saveImages,
  saveImagesTo,
  type Store as LayerStoreImpl,
} from '@tsbuild/layerstore';
import type { Digest, FsckProblem, ImageDetails, ImageInfo, ImageRecord, LoadedImage, LoadOptions, OpenStoreOptions, PruneOptions, PruneStats, SaveOptions, UnpackOptions } from './types.js';

/** Run `fn`, rethrowing anything that is not a TsbuildError wrapped as one. */
async function typed<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toTsbuildError(err);
  }
}

/**
 * An open image store. Many builds (in this process and in others) can use one store at once;
 * pass it to {@link build} as `store`. Close it when done ({@link Store.close}, or `await using`).
 */
export class Store {
  /** the underlying @tsbuild/layerstore store (for `build({ store })` and the `tsbuild/engine` parts) */
  readonly layers: LayerStoreImpl;

  /** Use {@link openStore}. */
  constructor(layers: LayerStoreImpl) {
    this.layers = layers;
  }

  /** the store's directory */
  get root(): string {
    return this.layers.root;
  }

  /** Every tag in the store with its image id, creation time and size (`tsbuild images`). */
  list(): Promise<ImageInfo[]> {
    return typed(() => this.layers.listImages());
  }

  /** The stored image a name, `name:tag`, digest or id prefix refers to; E_NOT_FOUND when none. */
  get(ref: string): Promise<ImageRecord> {
    return typed(async () => {
      const rec = await this.layers.getImage(ref);
      if (!rec) throw new StoreError('E_NOT_FOUND', `no such image: ${ref}`, { ref });
      return rec;
    });
  }

  /** One image in full, shaped like `docker image inspect` (`tsbuild inspect`); E_NOT_FOUND when none. */
  inspect(ref: string): Promise<ImageDetails> {
    return typed(async () => {
      const rec = await this.get(ref);
      const tags = (await this.layers.listImages()).filter((i) => i.manifestDigest === rec.manifestDigest).map((i) => i.name);
      return describeImage(rec, tags);
    });
  }

  /** Give the image `source` refers to another name (`tsbuild tag`); returns the manifest (or index) digest tagged. E_NOT_FOUND when none. */
  tag(source: string, target: string): Promise<Digest> {
    return typed(async () => {
      const digest = await this.layers.resolve(source);
      if (!digest) throw new StoreError('E_NOT_FOUND', `no such image: ${source}`, { ref: source });
      await this.layers.tag(target, digest);
      return digest;
    });
  }

  /** Remove a tag (`tsbuild rmi`); the space is freed by {@link Store.prune}. E_NOT_FOUND when there is no such tag. */
  remove(name: string): Promise<void> {
    return typed(async () => {
      if (!(await this.layers.untag(name))) throw new StoreError('E_NOT_FOUND', `no such image tag: ${name}`, { ref: name });
    });
  }

  /** Import a root filesystem tarball (`.tar`, `.tar.gz`) as a one-layer image named `name` (`tsbuild import`). */
  import(rootfsTar: string, name: string, options: UnpackOptions = {}): Promise<ImageRecord> {
    return typed(() => importRootfs(this.layers, rootfsTar, name, { unpack: options.unpack === true, signal: options.signal }));
  }

  /** Write images to a tar archive: a file path (written atomically) or a stream (`tsbuild save`). */
  save(refs: string[], dest: string | Writable, options: SaveOptions = {}): Promise<ImageRecord[]> {
    const format = options.format ?? 'docker';
    const signal = options.signal;
    return typed(() => (typeof dest === 'string' ? saveImages(this.layers, refs, dest, { format, signal }) : saveImagesTo(this.layers, refs, dest, { format, signal })));
  }

  /** Load a docker-archive or OCI archive (optionally gzip-compressed) from a file or a stream (`tsbuild load`). */
  load(source: string | Readable, options: LoadOptions = {}): Promise<LoadedImage[]> {
    return typed(async () => {
      const signal = options.signal;
      const { images } = typeof source === 'string' ? await loadArchive(this.layers, source, { signal }) : await loadArchiveFrom(this.layers, source, options.sourceName ?? 'stream', { signal });
      if (options.unpack === true) {
        await cancellable('load', signal, async () => {
          for (const i of images) await this.layers.ensureSnapshots(i.record.layers, { signal });
        });
      }
      return images;
    });
  }

  /** Remove blobs and snapshots no tag or cache record reaches; `all` also drops the build cache (`tsbuild prune`). */
  prune(options: PruneOptions = {}): Promise<PruneStats> {
    return typed(() => this.layers.gc({ all: options.all === true, signal: options.signal }));
  }

  /** Rehash every blob and check every reference; an empty list means the store is consistent (`tsbuild fsck`). */
  fsck(): Promise<FsckProblem[]> {
    return typed(() => this.layers.fsck());
  }

  /** Release this instance's hold on the store (its GC lease). */
  close(): Promise<void> {
    return typed(() => this.layers.close());
  }

  /** `await using store = await openStore()` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * A library {@link Store}, not a raw layer store: by shape too, so a Store from the package's other
 * module format (the ESM and the CommonJS builds each have their own class) is recognized.
 */
export function isStore(value: unknown): value is Store {
  if (value instanceof Store) return true;
  const v = value as Partial<Store> | null | undefined;
  return typeof v === 'object' && v !== null && typeof v.list === 'function' && typeof v.layers === 'object' && v.layers !== null;
}

/** Open (creating it if needed) the store at `options.root`, or a root directory given directly. */
export async function openStore(options: OpenStoreOptions | string = {}): Promise<Store> {
  const o = typeof options === 'string' ? { root: options } : options;
  return typed(async () => new Store(await openLayerStore(o.root, {
    ...(o.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: o.lockTimeoutMs }),
    ...(o.extractWorkers === undefined ? {} : { extractWorkers: o.extractWorkers }),
  })));
}

/** `docker image inspect`'s shape of an image with its tags. */
export function describeImage(rec: ImageRecord, tags: string[]): ImageDetails {
  const c = rec.config;
  return {
    Id: rec.configDigest,
    ManifestDigest: rec.manifestDigest,
    ConfigDigest: rec.configDigest,
    RepoTags: tags,
    Created: c.created,
    Author: c.author ?? '',
    Architecture: c.architecture,
    Variant: c.variant,
    Os: c.os,
    Config: c.config,
    Size: rec.layers.reduce((n, l) => n + l.size, 0),
    RootFS: { Type: 'layers', Layers: c.rootfs.diff_ids },
    Layers: rec.layers.map((l) => ({ Digest: l.digest, DiffID: l.diffID, Size: l.size, MediaType: l.mediaType })),
    History: c.history ?? [],
    Manifest: rec.manifest,
  };
}
