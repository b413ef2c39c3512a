import type { Mounted, Snapshotter } from '@tsbuild/builder/engine';
import { OverlaySnapshotter } from '../../packages/builder/src/snapshot/overlay.js';

/** The real overlay snapshotter, counting prepare() calls (a fully cached build must make none). */
export class CountingSnapshotter implements Snapshotter {
  readonly name = 'counting';
  count = 0;
  private readonly inner = new OverlaySnapshotter();
  prepare(lowerdirs: string[], opts: { scratchDir: string }): Promise<Mounted> {
    this.count++;
    return this.inner.prepare(lowerdirs, opts);
  }
}
