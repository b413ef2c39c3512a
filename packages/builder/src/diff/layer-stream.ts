/**
 * A diff's layer as a stream returned at once, while the change list is still being computed:
 * both differs (overlayfs upperdir, copying snapshotter's tree) hand their changes here.
 */
import { PassThrough, type Readable } from 'node:stream';
import { emitLayer, type Change } from './emit.js';
import type { DiffOptions } from './overlay-diff.js';

export function layerStream(changes: Promise<Change[]>, opts: DiffOptions): Readable {
  const out = new PassThrough();
  // the consumer may attach its listeners after a failure here: without one, Node would throw the
  // 'error' event and kill the process (a stack and a leaked mount); pipeline() still reports it
  out.on('error', () => undefined);
  changes
    .then((list) => {
      const layer = emitLayer(list, opts);
      layer.on('error', (err) => out.destroy(err));
      layer.pipe(out);
    })
    .catch((err: unknown) => out.destroy(err as Error));
  return out;
}
