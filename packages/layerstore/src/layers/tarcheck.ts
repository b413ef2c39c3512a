/**
 * A pass-through stage that parses the tar flowing through it (headers only, bodies skipped)
 * so a truncated or malformed tar, or an entry that would escape its root (`..`, absolute,
 * below a symlink the same tar made), fails the write before anything becomes visible.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { TarParser } from '../tar/reader.js';
import { badArchive, unsafePath } from '../errors.js';
import { safeEntryName } from '../fs/scoped.js';

export class TarCheck extends Transform {
  private readonly symlinks = new Set<string>();
  private readonly parser = new TarParser({
    entry: (h) => {
      const name = safeEntryName(h.name);
      if (h.type === 'link' && h.linkname) safeEntryName(h.linkname);
      for (let i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) {
        if (this.symlinks.has(name.slice(0, i))) throw unsafePath(`tar entry ${h.name} is below the symlink ${name.slice(0, i)}`, { name: h.name });
      }
      if (h.type === 'symlink') this.symlinks.add(name);
      else if (this.symlinks.size) this.symlinks.delete(name);
    },
    data: () => {},
    end: () => {},
  });

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.parser.write(chunk).then(() => cb(null, chunk), (err: Error) => cb(wrap(err)));
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.parser.finish();
      cb(this.parser.entries === 0 ? badArchive('tar has no entries') : null);
    } catch (err) {
      cb(wrap(err as Error));
    }
  }
}

function wrap(err: Error & { code?: string }): Error {
  return err.code?.startsWith('E_') ? err : badArchive(`not a valid tar: ${err.message}`, undefined, err);
}
