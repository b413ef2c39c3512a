/**
 * Which registry repositories a blob is known to be in (pulled from, pushed to): a push to another
 * repository of the same registry mounts the blob from there instead of uploading it. One small
 * append-only text file per blob; losing it only costs an upload.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import type { StorePaths } from '../paths.js';

export function knownSources(paths: StorePaths, digest: string): string[] {
  try {
    return [...new Set(readFileSync(paths.blobSources(digest), 'utf8').split('\n').filter(Boolean))].reverse();
  } catch {
    return [];
  }
}

/** Remember that `repository` (`host/path`) holds these blobs. */
export function recordSources(paths: StorePaths, digests: string[], repository: string): void {
  try {
    mkdirSync(paths.sources, { recursive: true });
    for (const d of digests) {
      if (knownSources(paths, d).includes(repository)) continue;
      appendFileSync(paths.blobSources(d), `${repository}\n`);
    }
  } catch {
    /* a hint only */
  }
}
