/**
 * `--build-context NAME=…` (BuildOptions.namedContexts): what FROM NAME, COPY --from=NAME and
 * RUN --mount from=NAME see instead of a stage or store image of that name, as in BuildKit, where
 * a named context wins over a stage of the same name.
 *   image: another image (`docker-image://REF`): the reference is looked up instead of NAME
 *   oci-layout: an image in an OCI layout directory, imported into the store before the build
 *          (build.ts) and then an `image` context
 *   dir:   a local directory: COPY --from=NAME copies from it, RUN --mount from=NAME binds it,
 *          like the build context (its files key those steps)
 */
import { BuildError } from '../errors.js';
import type { NamedContext } from '../types.js';
import type { BuildContextSource } from './contextSource.js';
import { loadContextSource } from './loadContextSource.js';
import type { SolveContext } from './types.js';

export function namedContext(solve: SolveContext, ref: string): NamedContext | undefined {
  const all = solve.options.namedContexts;
  if (!all) return undefined;
  return Object.hasOwn(all, ref) ? all[ref] : Object.hasOwn(all, ref.toLowerCase()) ? all[ref.toLowerCase()] : undefined;
}

/** The image a FROM / --from reference stands for: the named context's image, else the reference itself. */
export function imageRef(solve: SolveContext, ref: string, where: string, location?: BuildError['location']): string {
  const c = namedContext(solve, ref);
  if (!c) return ref;
  if (c.type === 'image') return c.ref;
  if (c.type === 'oci-layout') throw new BuildError('E_CONTEXT', `build context ${ref}: the OCI layout was not imported`, { location });
  throw new BuildError('E_UNSUPPORTED', `build context ${ref} is a directory: ${where} needs an image there (a directory context works with COPY --from=${ref} and RUN --mount from=${ref})`, { location, data: { ref } });
}

const dirs = new WeakMap<SolveContext, Map<string, Promise<BuildContextSource & { save(): Promise<void> }>>>();

/** COPY --from=NAME of a directory context: that directory as a context (its files hashed like the main one's). */
export function dirContext(solve: SolveContext, ref: string): Promise<BuildContextSource> | undefined {
  const c = namedContext(solve, ref);
  if (c?.type !== 'dir') return undefined;
  let m = dirs.get(solve);
  if (!m) dirs.set(solve, (m = new Map()));
  let p = m.get(c.path);
  if (!p) {
    p = loadContextSource(c.path, { cacheFile: solve.store.contextCacheFile(), tmpDir: () => solve.store.tmpDir(), signal: solve.signal });
    m.set(c.path, p);
  }
  return p;
}
