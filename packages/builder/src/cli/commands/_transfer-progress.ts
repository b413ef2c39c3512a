/**
 * A plain text rendering of registry transfer events for `tsbuild pull` / `push` (one line per
 * blob when it settles, like `docker pull`'s final lines). The live view belongs to cli/render.
 */
import type { TransferEvent } from '@tsbuild/layerstore';
import { transferLabel, transferRate, transferSize } from '../render/transfer.js';

export function transferPrinter(out: NodeJS.WritableStream, quiet: boolean): (e: TransferEvent) => void {
  const started = new Map<string, number>();
  return (e) => {
    if (quiet) return;
    const id = e.digest.slice(7, 19);
    if (e.status === 'downloading' || e.status === 'uploading') {
      if (!started.has(e.digest)) started.set(e.digest, Date.now());
      return;
    }
    if (e.status === 'waiting') return;
    const label = transferLabel(e.action, e.status, e.message);
    if (!label) return;
    const t0 = started.get(e.digest);
    const speed = e.status === 'done' && t0 ? transferRate(e.total, Date.now() - t0) : '';
    out.write(`${id}: ${label}${e.status === 'done' ? ` ${transferSize(e.total)}${speed ? ` ${speed}` : ''}` : ''}\n`);
  };
}

/** The registry settings the CLI gives the library: the user's environment. */
export function registryEnv(): Record<string, string | undefined> {
  return process.env;
}
