import { plainRenderer } from './plain.js';
import { rawJsonRenderer } from './rawjson.js';
import { ttyRenderer } from './tty.js';
import type { ProgressMode, RenderOptions, Renderer } from './types.js';

export type { ProgressMode, RenderOptions, Renderer } from './types.js';

/** `auto` is the live view on a terminal (not TERM=dumb), plain lines otherwise — as buildx decides. */
export function resolveMode(mode: ProgressMode, isTTY: boolean, env: Record<string, string | undefined>): Exclude<ProgressMode, 'auto'> {
  if (mode !== 'auto') return mode;
  return isTTY && env.TERM !== 'dumb' ? 'tty' : 'plain';
}

/** The view for a --progress mode (`auto` resolved first). `quiet` shows nothing but errors. */
export function createRenderer(mode: Exclude<ProgressMode, 'auto'>, out: NodeJS.WritableStream, opts: RenderOptions): Renderer {
  switch (mode) {
    case 'quiet':
      return { note() {}, finish() {}, abort() {} };
    case 'rawjson':
      return { onEvent: rawJsonRenderer(out), note() {}, finish() {}, abort() {} };
    case 'tty':
      return ttyRenderer(out, opts);
    default:
      return plainRenderer(out, opts);
  }
}
