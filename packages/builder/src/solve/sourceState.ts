import type { LayerRef, ImageConfig } from '@tsbuild/layerstore';
import { BuildError } from '../errors.js';
import { baseKey } from './cacheKey.js';
import { findStage, stageResult } from './stageRef.js';
import { imageRef, namedContext } from './namedContexts.js';
import { lookupImage } from './images.js';
import { emptyConfig } from './resolveBase.js';
import { checkImageName } from '../plan/checkReferences.js';
import type { SolveContext } from './types.js';

export interface SourceState { layers: LayerRef[]; config: ImageConfig; fsKey: string; stage?: number }

/** `--from` of COPY/ADD/RUN --mount: an earlier stage, else an image in the store. */
export async function sourceState(solve: SolveContext, ref: string, currentStage: number, location?: BuildError['location']): Promise<SourceState> {
  const named = namedContext(solve, ref);
  if (named) ref = imageRef(solve, ref, '--from', location);
  const stage = named ? undefined : findStage(solve.dockerfile.stages, ref, currentStage);
  if (stage) {
    const r = await stageResult(solve, stage.index);
    return { layers: r.layers, config: r.config, fsKey: r.fsKey, stage: stage.index };
  }
  if (/^\d+$/.test(ref)) throw new BuildError('E_STAGE', `invalid from flag value ${ref}: refers to current or later build stage`, { location });
  // `--from=scratch` (as written, no stage of that name) is the empty image, as FROM scratch: BuildKit's
  // unregistered dispatchState gets llb.Scratch() for emptyImageName (resolveStages), so `COPY
  // --from=scratch / /d/` makes an empty /d and a missing source fails as not found, with no pull
  if (ref === 'scratch') return { layers: [], config: emptyConfig(solve.platform), fsKey: baseKey(undefined) };
  checkImageName(ref, location);
  const img = await lookupImage(solve, ref, solve.platform, location).catch((err: unknown) => {
    // neither a stage nor an image anywhere: still the --from error, with what the registry said
    if (err instanceof BuildError && err.code === 'E_IMAGE_NOT_FOUND') throw new BuildError('E_STAGE', `${ref}: no build stage of that name, and ${err.message}`, { location, data: { ref }, cause: err });
    throw err;
  });
  if (!img) throw new BuildError('E_STAGE', `${ref}: no build stage and no image of that name in the store`, { location, data: { ref } });
  // the record is shared by this build's lookups: callers get their own copy of the config
  return { layers: [...img.layers], config: structuredClone(img.config), fsKey: baseKey(img.configDigest) };
}
