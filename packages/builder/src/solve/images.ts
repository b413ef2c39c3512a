/**
 * Store images named by FROM or COPY --from, looked up once per build: five stages on one base
 * read its index entry, manifest and config (each verified) once instead of five times, and every
 * stage sees the same image even if the tag moves while the build runs.
 */
import type { ImageRecord } from '@tsbuild/layerstore';
import type { SolveContext } from './types.js';

export function lookupImage(solve: SolveContext, ref: string): Promise<ImageRecord | undefined> {
  const images = (solve.images ??= new Map());
  let p = images.get(ref);
  if (!p) {
    p = solve.store.getImage(ref);
    images.set(ref, p);
    p.catch(() => images.delete(ref)); // a failed lookup is not remembered
  }
  return p;
}
