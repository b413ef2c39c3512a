/**
 * A plain text rendering of registry transfer events for `tsbuild pull` / `push` (one line per
 * blob when it settles, like `docker pull`'s final lines). The live view belongs to cli/render.
 */
import type { TransferEvent } from '@tsbuild/layerstore';
import { humanSize } from './_store-args.js';

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
    const label = { exists: 'Already exists', done: e.action === 'pull' ? 'Pull complete' : 'Pushed', mounted: 'Mounted from another repository', retrying: `Retrying (${e.message ?? ''})`, downloading: '', uploading: '' }[e.status];
    const t0 = started.get(e.digest);
    const speed = e.status === 'done' && t0 && Date.now() > t0 ? ` ${humanSize(Math.round((e.total * 1000) / (Date.now() - t0)))}/s` : '';
    out.write(`${id}: ${label}${e.status === 'done' ? ` ${humanSize(e.total)}${speed}` : ''}\n`);
  };
}

/** The registry settings the CLI gives the library: the user's environment. */
export function registryEnv(): Record<string, string | undefined> {
  return process.env;
}
