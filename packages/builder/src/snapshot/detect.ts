/**
 * Pick the snapshotter once per build: overlayfs when a test mount works here (say so in the
 * progress output either way), else the copying fallback with the reason.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Snapshotter } from '../exec/types.js';
import { OverlaySnapshotter, unmount } from './overlay.js';
import { CopySnapshotter } from './copy.js';

export interface SnapshotterChoice {
  snapshotter: Snapshotter;
  /** one line for the progress output, e.g. "snapshotter: overlayfs" */
  message: string;
  /** why overlayfs was not used */
  reason?: string;
}

export async function detectSnapshotter(opts: { scratchDir: string; prefer?: 'overlayfs' | 'copy' }): Promise<SnapshotterChoice> {
  if (opts.prefer === 'copy') return { snapshotter: new CopySnapshotter(), message: 'snapshotter: copy (requested)' };
  await mkdir(opts.scratchDir, { recursive: true });
  const dir = await mkdtemp(join(opts.scratchDir, 'probe-'));
  // set while the probe mount may still be in place (release() failed half way)
  let mounted = false;
  try {
    const lower = join(dir, 'lower');
    await mkdir(lower);
    const m = await new OverlaySnapshotter().prepare([lower], { scratchDir: join(dir, 'ovl') });
    mounted = true;
    await m.release();
    mounted = false;
    return { snapshotter: new OverlaySnapshotter(), message: 'snapshotter: overlayfs' };
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0]!;
    return { snapshotter: new CopySnapshotter(), message: `snapshotter: copy (overlayfs unavailable: ${reason})`, reason };
  } finally {
    if (mounted) await unmount(join(dir, 'ovl', 'merged')).catch(() => undefined);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
