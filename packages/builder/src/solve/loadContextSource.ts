import { posix, resolve } from 'node:path';
import { FileChecksumCache, loadContext } from '../context/index.js';
import type { BuildContextSource, SourceChecksum } from './contextSource.js';

/** The build context over the context module, with file hashes cached in the store across builds. */
export async function loadContextSource(dir: string, opts: { dockerfilePath?: string; cacheFile: string; tmpDir?: string | (() => string); signal?: AbortSignal }): Promise<BuildContextSource & { save(): Promise<void> }> {
  const cache = await FileChecksumCache.open(opts.cacheFile, { tmpDir: opts.tmpDir });
  const ctx = await loadContext(resolve(dir), { dockerfilePath: opts.dockerfilePath, cache });
  // one checksum per selection and build: a prefetched one (solve/prefetch.ts) is the one the step gets
  const sums = new Map<string, Promise<SourceChecksum>>();
  const checksum = (sources: string[], o?: { exclude?: string[]; parents?: boolean }): Promise<SourceChecksum> => {
    const key = JSON.stringify([sources, o?.exclude ?? [], !!o?.parents]);
    let p = sums.get(key);
    if (!p) {
      p = ctx.checksum({ sources, exclude: o?.exclude, parents: o?.parents }, { detail: true, detailMax: 5000, signal: opts.signal }).then((sum) => {
        const detail = sum.detail ?? [];
        // miss explanations keep per-file digests only for reasonably small selections
        const files: [string, string][] = detail.length <= 5000 ? detail.map((d) => [displayPath(d.path), d.digest]) : [];
        return { digest: sum.digest, files };
      });
      sums.set(key, p);
    }
    return p;
  };
  return {
    dir: ctx.dir,
    checksum,
    prefetch(sources, o) {
      checksum(sources, o).catch(() => undefined); // a failure is reported by the step that awaits it
    },
    copySource: () => ctx,
    bytesRead: () => ctx.stats.bytesRead,
    ignorePatterns: () => ctx.ignorePatterns,
    save: () => cache.save(),
  };
}

/** `<source>:<path>` (the context module's detail key) → one context-relative path, e.g. `src/app.ts`. */
function displayPath(p: string): string {
  const i = p.indexOf(':');
  if (i < 0) return p;
  const joined = posix.join(p.slice(0, i), p.slice(i + 1));
  return joined.replace(/^\.?\/+/, '') || '.';
}
