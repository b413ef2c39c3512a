/** `tsbuild import ROOTFS.tar[.gz] NAME:TAG`: one layer from a rootfs tarball, like `docker import`. */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { ImageConfig, ImageRecord } from '../types.js';
import type { Store } from '../store.js';
import { decompress, mapZlibError } from '../layers/decompress.js';
import { normalizeRef } from '../images/reference.js';
import { ociArch } from '../images/platform.js';
import { notFound } from '../errors.js';
import { errno } from '../util/fs.js';
import { cancellable, onAbort } from '../util/abort.js';

export interface ImportOptions {
  /** bound on the uncompressed tar (gzip-bomb guard) → E_TOO_LARGE */
  maxBytes?: number;
  /** fixed creation time (reproducible imports); default now */
  created?: string;
  /** extra config (Env, Cmd, …) */
  config?: ImageConfig['config'];
  /** the platform of the tarball's binaries (default this machine's) */
  platform?: { os: string; architecture: string; variant?: string };
  /** also unpack the snapshot now (default false: first use unpacks it) */
  unpack?: boolean;
  /** cancels the import: reading stops at once, the partial layer is removed → E_CANCELLED */
  signal?: AbortSignal;
}

export function importRootfs(store: Store, tarPath: string, name: string, opts: ImportOptions = {}): Promise<ImageRecord> {
  return cancellable('import', opts.signal, () => importInner(store, tarPath, name, opts));
}

async function importInner(store: Store, tarPath: string, name: string, opts: ImportOptions): Promise<ImageRecord> {
  const ref = normalizeRef(name);
  const file = createReadStream(tarPath, { highWaterMark: 1 << 20 });
  // a cancel ends the read: writing the layer then fails and removes its temp file
  const detach = onAbort(opts.signal, (err) => file.destroy(err));
  try {
    return await importFrom(store, file, tarPath, ref, opts);
  } finally {
    detach();
  }
}

async function importFrom(store: Store, file: ReturnType<typeof createReadStream>, tarPath: string, ref: string, opts: ImportOptions): Promise<ImageRecord> {
  await new Promise<void>((resolve, reject) => {
    file.once('open', () => resolve());
    file.once('error', (err) => reject(errno(err) === 'ENOENT' ? notFound(`no such file: ${tarPath}`, { path: tarPath }) : err));
  });
  const { stream } = await decompress(file, { maxBytes: opts.maxBytes });
  const layer = await store.writeLayer(stream, { validate: true }).catch((err: unknown) => {
    throw mapZlibError(err);
  });
  const created = opts.created ?? new Date().toISOString();
  const config: ImageConfig = {
    created,
    ...(opts.platform ? { architecture: opts.platform.architecture, ...(opts.platform.variant ? { variant: opts.platform.variant } : {}) } : ociArch()),
    os: opts.platform?.os ?? 'linux',
    config: opts.config ?? {},
    rootfs: { type: 'layers', diff_ids: [layer.diffID] },
    history: [{ created, created_by: 'tsbuild import', comment: `imported from ${basename(tarPath)}` }],
  };
  const rec = await store.putImage(config, [layer]);
  if (opts.unpack) await store.ensureSnapshots(rec.layers, { signal: opts.signal });
  await store.tag(ref, rec.manifestDigest);
  return rec;
}
