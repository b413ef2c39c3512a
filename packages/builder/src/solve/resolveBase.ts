/**
 * FROM: the state a stage starts from — an image in the store (config + layers, nothing unpacked),
 * `scratch`, or an earlier stage's result — plus the base's ONBUILD triggers to run first.
 */
import type { FromInstruction } from '@tsbuild/parser';
import { formatPlatform, hostPlatform, normalizeArch, parsePlatform as parseStorePlatform, type ImageConfig, type LayerRef, type Platform } from '@tsbuild/layerstore';
import { BuildError } from '../errors.js';
import { baseKey } from './cacheKey.js';
import { findStage, stageResult } from './stageRef.js';
import { imageRef, namedContext } from './namedContexts.js';
import { lookupImage } from './images.js';
import { checkImageName } from '../plan/checkReferences.js';
import type { SolveContext, StageResult } from './types.js';
import { DEFAULT_PATH } from './vars.js';

export interface BaseState { config: ImageConfig; layers: LayerRef[]; fsKey: string; onBuild: string[]; display: string; vars?: StageResult['vars']; platform: Platform }

export { hostPlatform, formatPlatform, type Platform };

/** The architectures RUN steps can run for (a foreign one under QEMU user emulation). */
export const SUPPORTED_ARCHES: readonly string[] = ['amd64', 'arm64', 'arm', 'riscv64', 'ppc64le', 's390x', '386'];

/**
 * `os[/arch[/variant]]` (`local` = the host's) → a normalised platform, else E_PLATFORM. Any OS
 * and architecture are accepted, as BuildKit does: stages without RUN (scratch, COPY, metadata)
 * build for any of them; a RUN that cannot run here fails (exec/emulation.ts).
 */
export function parsePlatform(spec: string, host: Platform, location?: BuildError['location']): Platform {
  if (spec.trim() === 'local') return host;
  try {
    return parseStorePlatform(spec, host);
  } catch (err) {
    throw new BuildError('E_PLATFORM', `invalid platform ${JSON.stringify(spec)}: expected os[/arch[/variant]], e.g. linux/arm64`, { location, data: { platform: spec }, cause: err });
  }
}

/** `--platform a,b,…`: the target platforms, duplicates dropped, in the order given (default: the host's). */
export function targetPlatforms(spec: string | undefined, host: Platform): Platform[] {
  if (!spec || !spec.trim()) return [host];
  const out: Platform[] = [];
  for (const part of spec.split(',')) {
    if (!part.trim()) throw new BuildError('E_PLATFORM', `invalid platform list ${JSON.stringify(spec)}: empty entry`, { data: { platform: spec } });
    const p = parsePlatform(part, host);
    if (!out.some((q) => formatPlatform(q) === formatPlatform(p))) out.push(p);
  }
  return out;
}

export const samePlatform = (a: Platform, b: Platform): boolean => formatPlatform(a) === formatPlatform(b);

export function emptyConfig(platform: Platform): ImageConfig {
  // BuildKit sets no default PATH for Windows (moby/buildkit#5445)
  const env = platform.os === 'windows' ? {} : { Env: [`PATH=${DEFAULT_PATH}`] };
  return { architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}), config: { ...env, WorkingDir: '/' }, rootfs: { type: 'layers', diff_ids: [] }, history: [] };
}

export async function resolveBase(solve: SolveContext, from: FromInstruction, image: string, stageIndex: number, location: BuildError['location']): Promise<BaseState> {
  // FROM --platform=… (e.g. $BUILDPLATFORM: the cross-compilation pattern) else the build's target
  const platform = from.platform ? parsePlatform(from.platform, solve.hostPlatform, location) : solve.platform;
  // only the lowercase word: BuildKit compares the base name with emptyImageName as written, so `FROM
  // Scratch` is an image reference (an invalid one, refused by checkStageReferences); and an earlier stage
  // named `scratch` (a lint warning only) comes first: addState gives it as the base before the
  // emptyImageName check in resolveStages
  if (image === 'scratch' && !findStage(solve.dockerfile.stages, image, stageIndex, 'FROM')) {
    // an empty rootfs is the same on every platform, but the steps on it run as that platform's
    return { config: emptyConfig(platform), layers: [], fsKey: baseKey(undefined, samePlatform(platform, solve.hostPlatform) ? undefined : formatPlatform(platform)), onBuild: [], display: 'scratch', platform };
  }
  const named = namedContext(solve, image);
  if (named) image = imageRef(solve, image, 'FROM', location);
  const stage = named ? undefined : findStage(solve.dockerfile.stages, image, stageIndex, 'FROM');
  if (stage) {
    const r = await stageResult(solve, stage.index);
    return { ...clone(r.config, r.layers), fsKey: r.fsKey, display: image, vars: r.vars, platform: r.platform ?? platform };
  }
  checkImageName(image, location);
  let img;
  try {
    img = await lookupImage(solve, image, platform, location);
  } catch (err) {
    if ((err as { code?: string }).code === 'E_PLATFORM') throw new BuildError('E_PLATFORM', `base image ${image}: ${(err as Error).message}`, { location, data: { image, platform: formatPlatform(platform) } });
    throw err;
  }
  if (!img) {
    throw new BuildError('E_IMAGE_NOT_FOUND', `base image ${image} is not in the store (import or load it first: tsbuild import/load)`, { location, data: { image } });
  }
  if (img.config.os && img.config.os !== platform.os) {
    throw new BuildError('E_PLATFORM', `base image ${image} is ${img.config.os}/${img.config.architecture}, not ${formatPlatform(platform)}`, { location });
  }
  // a single-platform image of another architecture: refused, as docker's image store does for a
  // local image (its binaries would run as the wrong platform)
  const have: Platform = img.config.architecture ? { os: img.config.os || 'linux', ...normalizeArch(img.config.architecture, img.config.variant) } : platform;
  if (have.architecture !== platform.architecture) {
    throw new BuildError('E_PLATFORM', `base image ${image} is ${formatPlatform(have)}, not ${formatPlatform(platform)}: import or load an image for ${formatPlatform(platform)} (or an index that has it)`, { location, data: { image, platform: formatPlatform(platform) } });
  }
  return { ...clone(img.config, img.layers), fsKey: baseKey(img.configDigest), display: image, platform };
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
