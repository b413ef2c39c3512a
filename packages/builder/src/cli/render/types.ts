import type { BuildEvent } from '../../types.js';

export type ProgressMode = 'auto' | 'plain' | 'tty' | 'quiet' | 'rawjson';

export interface RenderOptions {
  /** ANSI colour (only on a terminal, never with NO_COLOR) */
  color: boolean;
  /** show details such as the executor and snapshotter chosen */
  debug: boolean;
  /** terminal size for the live view (read on each frame: the window may be resized) */
  columns(): number;
  rows(): number;
}

/** A progress view: build events in, text out. */
export interface Renderer {
  onEvent?(e: BuildEvent): void;
  /** a line of the command's own (e.g. "cancelling build…"), printed without breaking the view */
  note(text: string): void;
  /** the build ended: draw the last frame (the summary) and give the terminal back */
  finish(ok: boolean): void;
  /** the process is about to exit at once (second Ctrl-C): give the terminal back */
  abort(): void;
}
