/** The differ that matches how the rootfs was prepared: upperdir walk for overlayfs, tree compare for the copy. */
import type { DiffFn } from '../exec/types.js';
import { overlayDiff } from './overlay-diff.js';
import { treeDiff } from './tree-diff.js';

export const diffLayer: DiffFn = (mounted, lowerdirs, opts) =>
  (mounted.overlay ? overlayDiff : treeDiff)(mounted, lowerdirs, opts);
