import type { StepContext } from '../solve/types.js';

/** BuildKit's history comment for every Dockerfile step */
export const HISTORY_COMMENT = 'buildkit.dockerfile.v0';

/**
 * Append a history entry as BuildKit's commitToHistory does. Layer entries carry the layer's
 * creation time (kept in the cache record, so a cached rebuild reproduces the same config);
 * metadata entries get theirs in solve/finalizeConfig.ts, from the neighbouring layer entry.
 */
export function addHistory(ctx: StepContext, createdBy: string, withLayer: boolean, created?: string): void {
  const h = (ctx.state.config.history ??= []);
  h.push({ ...(created ? { created } : {}), created_by: createdBy, comment: HISTORY_COMMENT, ...(withLayer ? {} : { empty_layer: true }) });
}
