import type { BuildEvent } from '../../types.js';

/** `--progress=rawjson`: one JSON event per line (miss reasons included). */
export function rawJsonRenderer(out: NodeJS.WritableStream): (e: BuildEvent) => void {
  return (e) => out.write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
}
