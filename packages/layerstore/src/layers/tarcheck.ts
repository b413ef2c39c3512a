/**
 * A pass-through stage that parses the tar flowing through it (headers only, contents are
 * drained) so a truncated or malformed tar, or an entry that would escape its root, fails the
 * write before anything becomes visible in the store.
 */
import { Transform, type TransformCallback } from 'node:stream';
import * as tar from 'tar-stream';
import { badArchive, unsafePath } from '../errors.js';
import { safeEntryName } from '../snapshots/safepath.js';

export class TarCheck extends Transform {
  private readonly ex = tar.extract();
  private failed?: Error;
  private pending?: () => void;
  private finished: Promise<void>;
  entries = 0;
  private readonly symlinks = new Set<string>();

  constructor() {
    super();
    this.ex.on('entry', (header, body, next) => {
      this.entries++;
      body.on('error', () => {}); // the parse error itself surfaces on the extractor
      try {
        const name = safeEntryName(header.name);
        if (header.type === 'link' && header.linkname) safeEntryName(header.linkname);
        // an entry below a symlink this tar created would be written through it on extraction
        for (let i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) {
          if (this.symlinks.has(name.slice(0, i))) throw unsafePath(`tar entry ${header.name} is below the symlink ${name.slice(0, i)}`, { name: header.name });
        }
        if (header.type === 'symlink') this.symlinks.add(name);
        else this.symlinks.delete(name);
      } catch (err) {
        body.resume();
        return next(err as Error);
      }
      body.on('end', () => next());
      body.resume();
    });
    this.finished = new Promise((resolve, reject) => {
      this.ex.on('finish', resolve);
      this.ex.on('error', (err: Error) => {
        this.failed = (err as { code?: string }).code?.startsWith('E_') ? err : badArchive(`not a valid tar: ${err.message}`, undefined, err);
        reject(this.failed);
        this.settle();
      });
    });
    this.finished.catch(() => {});
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.failed) return cb(this.failed);
    if (this.ex.write(chunk)) return cb(null, chunk);
    this.pending = () => cb(this.failed ?? null, chunk);
    this.ex.once('drain', () => this.settle());
  }

  private settle(): void {
    const p = this.pending;
    this.pending = undefined;
    p?.();
  }

  override _flush(cb: TransformCallback): void {
    (this.ex as unknown as { end(): void }).end();
    this.finished.then(
      () => (this.entries === 0 ? cb(badArchive('tar has no entries')) : cb()),
      (err: Error) => cb(err),
    );
  }
}
