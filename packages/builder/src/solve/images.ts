/**
 * Store images named by FROM or COPY --from, looked up once per build: five stages on one base
 * read its index entry, manifest and config (each verified) once instead of five times, and every
 * stage sees the same image even if the tag moves while the build runs.
 */
import type { ImageRecord } from '@tsbuild/layerstore';
import type { SolveContext } from './types.js';
import { formatPlatform, type Platform } from './resolveBase.js';

/** `platform`: an index's entry for it (layerstore's selectPlatform); a plain manifest as it is. */
export function lookupImage(solve: SolveContext, ref: string, platform?: Platform): Promise<ImageRecord | undefined> {
  const images = (solve.images ??= new Map());
  const key = platform ? `${formatPlatform(platform)} ${ref}` : ref;
  let p = images.get(key);
  if (!p) {
    p = solve.store.getImage(ref, platform ? { platform } : undefined);
    images.set(key, p);
    p.catch(() => images.delete(key)); // a failed lookup is not remembered
  }
  return p;
}
