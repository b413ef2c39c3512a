/**
 * FROM: the state a stage starts from — an image in the store (config + layers, nothing unpacked),
 * `scratch`, or an earlier stage's result — plus the base's ONBUILD triggers to run first.
 */
import type { FromInstruction } from '@tsbuild/parser';
import { hostPlatform, parsePlatform, platformMatches, type ImageConfig, type LayerRef, type Platform } from '@tsbuild/layerstore';
import { BuildError } from '../errors.js';
import { baseKey } from './cacheKey.js';
import { findStage, stageResult } from './stageRef.js';
import { imageRef, namedContext } from './namedContexts.js';
import { lookupImage } from './images.js';
import { checkImageName } from '../plan/checkReferences.js';
import type { SolveContext, StageResult } from './types.js';
import { DEFAULT_PATH } from './vars.js';

export interface BaseState { config: ImageConfig; layers: LayerRef[]; fsKey: string; onBuild: string[]; display: string; vars?: StageResult['vars'] }

export { hostPlatform };

/** `--platform` values naming the host: linux, linux/amd64, linux/x86_64, linux/amd64/v1 … (the variant is not checked) */
export function checkPlatform(platform: string | undefined, host: { architecture: string; os: string }, location?: BuildError['location']): void {
  if (!platform) return;
  let want: Platform | undefined;
  try {
    want = parsePlatform(platform, host);
  } catch {
    want = undefined;
  }
  if (want && platformMatches({ os: want.os, architecture: want.architecture }, host)) return;
  throw new BuildError('E_PLATFORM', `platform ${platform} is not supported: tsbuild builds for the host platform ${host.os}/${host.architecture} only`, { location, data: { platform } });
}

export function emptyConfig(platform: { architecture: string; os: string }): ImageConfig {
  return { architecture: platform.architecture, os: platform.os, config: { Env: [`PATH=${DEFAULT_PATH}`], WorkingDir: '/' }, rootfs: { type: 'layers', diff_ids: [] }, history: [] };
}

export async function resolveBase(solve: SolveContext, from: FromInstruction, image: string, stageIndex: number, location: BuildError['location']): Promise<BaseState> {
  checkPlatform(from.platform, solve.platform, location);
  if (image.toLowerCase() === 'scratch') {
    return { config: emptyConfig(solve.platform), layers: [], fsKey: baseKey(undefined), onBuild: [], display: 'scratch' };
  }
  const named = namedContext(solve, image);
  if (named) image = imageRef(solve, image, 'FROM', location);
  const stage = named ? undefined : findStage(solve.dockerfile.stages, image, stageIndex);
  if (stage) {
    const r = await stageResult(solve, stage.index);
    return { ...clone(r.config, r.layers), fsKey: r.fsKey, display: image, vars: r.vars };
  }
  checkImageName(image, location);
  const img = await lookupImage(solve, image, location);
  if (!img) {
    throw new BuildError('E_IMAGE_NOT_FOUND', `base image ${image} is not in the store (import or load it first: tsbuild import/load)`, { location, data: { image } });
  }
  if (img.config.os && img.config.os !== solve.platform.os) {
    throw new BuildError('E_PLATFORM', `base image ${image} is ${img.config.os}/${img.config.architecture}, not the host platform`, { location });
  }
  return { ...clone(img.config, img.layers), fsKey: baseKey(img.configDigest), display: image };
}

function clone(config: ImageConfig, layers: LayerRef[]): { config: ImageConfig; layers: LayerRef[]; onBuild: string[] } {
  const c = JSON.parse(JSON.stringify(config)) as ImageConfig;
  c.config ??= {};
  const onBuild = c.config.OnBuild ?? [];
  // BuildKit clears the triggers it consumes (and writes OnBuild: null)
  c.config.OnBuild = null;
  c.history ??= [];
  return { config: c, layers: [...layers], onBuild };
}
