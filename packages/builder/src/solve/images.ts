/**
 * Images named by FROM or COPY --from, looked up once per build: five stages on one base read its
 * index entry, manifest and config (each verified) once instead of five times, and every stage
 * sees the same image even if the tag moves while the build runs.
 *
 * The store answers first; an image it lacks is pulled from its registry (mirrors per the tsbuild
 * config). `--pull` asks the registry every time, so a moved tag is seen (and, the cache key of a
 * base being its config digest, rebuilds) while an unmoved one downloads nothing.
 *
 * `platform`: the stage's platform (a multi-platform build looks each base up per platform): a
 * stored index gives its entry for it (layerstore's selectPlatform); a stored single-platform
 * image of another architecture is pulled again for the platform when the registry is reachable.
 */
import { pullImage, Store, StoreError, type ImageRecord } from '@tsbuild/layerstore';
import { BuildError } from '../errors.js';
import type { SolveContext } from './types.js';
import { formatPlatform, type Platform } from './resolveBase.js';

/** A base image for `ref` on `platform`, looked up (store first, else pulled) once per build and key. */
export function lookupImage(solve: SolveContext, ref: string, platform: Platform, location?: BuildError['location']): Promise<ImageRecord | undefined> {
  const images = (solve.images ??= new Map());
  const key = `${formatPlatform(platform)} ${ref}`;
  let p = images.get(key);
  if (!p) {
    p = resolveImage(solve, ref, platform, location);
    images.set(key, p);
    p.catch(() => images.delete(key)); // a failed lookup is not remembered
  }
  return p;
}

/**
 * lookupImage for a look ahead of the stage's FROM (lint's base Env, before any step): the same
 * memoized lookup, except that a failure stays remembered for this build, so the FROM reports the
 * very same error without asking the registry a second time.
 */
export function lookupImageAhead(solve: SolveContext, ref: string, platform: Platform, location?: BuildError['location']): Promise<ImageRecord | undefined> {
  const p = lookupImage(solve, ref, platform, location);
  // runs after lookupImage's own forgetting handler (handlers run in the order they were added)
  p.catch(() => solve.images?.set(`${formatPlatform(platform)} ${ref}`, p));
  return p;
}

async function resolveImage(solve: SolveContext, ref: string, platform: Platform, location?: BuildError['location']): Promise<ImageRecord | undefined> {
  const { store } = solve;
  let local: ImageRecord | undefined;
  if (!solve.options.pull) {
    local = await solve.store.getImage(ref, { platform });
    if (local && !(local.config.architecture && local.config.architecture !== platform.architecture && store instanceof Store && solve.registry)) return local;
  }
  // an injected store that is not the on-disk one (tests, library users) has nothing to pull into
  if (!(store instanceof Store) || !solve.registry) return solve.options.pull ? store.getImage(ref, { platform }) : local;
  // pulled into the store itself, not through a registry cache's view of it (cache-io/registryCache.ts),
  // which counts blobs it could fetch as present: a pulled image's layers must really be here
  const into = (store as { localStore?: Store }).localStore ?? store;
  try {
    const r = await pullImage(into, ref, { ...solve.options.registry, platform, client: solve.registry(), signal: solve.signal, onProgress: (e) => solve.progress.emit(e) });
    return r.record;
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    // a stored image of another platform, and the registry has nothing better: resolveBase says so
    if (local) return local;
    if (err.code === 'E_REGISTRY_NOT_FOUND' || err.code === 'E_REGISTRY_UNREACHABLE') {
      throw new BuildError('E_IMAGE_NOT_FOUND', `image ${ref} is not in the store and could not be pulled: ${err.message}`, { location, data: { image: ref, registry: err.data }, cause: err });
    }
    throw new BuildError(err.code, `pulling ${ref}: ${err.message}`, { location, data: { image: ref, ...err.data }, cause: err });
  }
}
