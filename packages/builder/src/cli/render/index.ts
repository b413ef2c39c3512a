import type { BuildEvent } from '../../types.js';
import { plainRenderer } from './plain.js';
import { rawJsonRenderer } from './rawjson.js';

export type ProgressMode = 'auto' | 'plain' | 'tty' | 'quiet' | 'rawjson';

/** Pick the renderer for --progress (tty falls back to plain: one renderer, readable in logs). */
export function renderer(mode: ProgressMode, out: NodeJS.WritableStream): ((e: BuildEvent) => void) | undefined {
  switch (mode) {
    case 'quiet':
      return undefined;
    case 'rawjson':
      return rawJsonRenderer(out);
    default:
      return plainRenderer(out);
  }
}
