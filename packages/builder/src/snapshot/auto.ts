/**
 * The default snapshotter of a build: overlayfs, decided by the first real mount instead of a
 * probe mount ahead of it (the probe's mkdirs, mount, unmount and rm sat on the first step's
 * critical path). Only when that first mount fails does the probe run (detect.ts): overlayfs
 * unusable here → the copying snapshotter from then on, with the reason; overlayfs fine → the
 * failure was that mount's own and is reported as such. Concurrent first mounts wait for the
 * decision. `onChoice` gets the one line for the progress output, once.
 */
import type { Mounted, Snapshotter } from '../exec/types.js';
import { detectSnapshotter, type SnapshotterChoice } from './detect.js';
import { OverlaySnapshotter } from './overlay.js';

export interface AutoSnapshotterOptions {
  /** where the probe makes its scratch dirs */
  scratchDir: string;
  /** the progress line for the choice, called once */
  onChoice(message: string): void;
  /** (tests) the overlay snapshotter tried first, and the probe run when it fails */
  overlay?: Snapshotter;
  detect?: (opts: { scratchDir: string }) => Promise<SnapshotterChoice>;
}

export class AutoSnapshotter implements Snapshotter {
  private readonly overlay: Snapshotter;
  private chosen?: Snapshotter;
  private deciding?: Promise<Snapshotter>;

  constructor(private readonly opts: AutoSnapshotterOptions) {
    this.overlay = opts.overlay ?? new OverlaySnapshotter();
  }

  get name(): string {
    return this.chosen?.name ?? 'auto';
  }

  async prepare(lowerdirs: string[], opts: { scratchDir: string }): Promise<Mounted> {
    if (this.chosen) return this.chosen.prepare(lowerdirs, opts);
    if (this.deciding) return (await this.deciding).prepare(lowerdirs, opts);
    let decide!: (s: Snapshotter) => void;
    let fail!: (err: unknown) => void;
    this.deciding = new Promise<Snapshotter>((resolve, reject) => ((decide = resolve), (fail = reject)));
    this.deciding.catch(() => undefined);
    const choose = (s: Snapshotter, message: string) => {
      this.chosen = s;
      this.opts.onChoice(message);
      decide(s);
    };
    try {
      const mounted = await this.overlay.prepare(lowerdirs, opts);
      choose(this.overlay, 'snapshotter: overlayfs');
      return mounted;
    } catch (err) {
      let choice;
      try {
        choice = await (this.opts.detect ?? detectSnapshotter)({ scratchDir: this.opts.scratchDir });
      } catch (probeErr) {
        // no decision: the next mount tries again
        this.deciding = undefined;
        fail(probeErr);
        throw err;
      }
      choose(choice.snapshotter instanceof OverlaySnapshotter ? this.overlay : choice.snapshotter, choice.message);
      if (this.chosen === this.overlay) throw err;
      return this.chosen!.prepare(lowerdirs, opts);
    }
  }
}
