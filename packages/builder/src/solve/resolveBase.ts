/**
 * FROM: the state a stage starts from — an image in the store (config + layers, nothing unpacked),
 * `scratch`, or an earlier stage's result — plus the base's ONBUILD triggers to run first.
 */
import type { FromInstruction } from '@tsbuild/parser';
import type { ImageConfig, LayerRef } from '@tsbuild/layerstore';
import { BuildError } from '../errors.js';
import { baseKey } from './cacheKey.js';
import { findStage, stageResult } from './stageRef.js';
import { imageRef, namedContext } from './namedContexts.js';
import { lookupImage } from './images.js';
import type { SolveContext, StageResult } from './types.js';
import { DEFAULT_PATH } from './vars.js';

export interface BaseState { config: ImageConfig; layers: LayerRef[]; fsKey: string; onBuild: string[]; display: string; vars?: StageResult['vars']; platform: Platform }

export interface Platform { os: string; architecture: string; variant?: string }

// Platform names are parsed here until the layerstore's images/platform.ts (branch cleanup) is on
// main; normalizeArch follows containerd's, as that helper does, so folding this into it is a rename.
export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return { architecture: arch[process.arch] ?? process.arch, os: 'linux' };
}

/** containerd's normalizeArch: aliases to their OCI names, default variants dropped (arm keeps v7). */
export function normalizeArch(arch: string, variant = ''): { architecture: string; variant?: string } {
  arch = arch.toLowerCase();
  variant = variant.toLowerCase();
  let out: { architecture: string; variant: string };
  if (arch === 'i386') out = { architecture: '386', variant: '' };
  else if (arch === 'x86_64' || arch === 'x86-64' || arch === 'amd64') out = { architecture: 'amd64', variant: variant === 'v1' ? '' : variant };
  else if (arch === 'aarch64' || arch === 'arm64') out = { architecture: 'arm64', variant: ['8', 'v8', 'v8.0'].includes(variant) ? '' : variant };
  else if (arch === 'armhf') out = { architecture: 'arm', variant: 'v7' };
  else if (arch === 'armel') out = { architecture: 'arm', variant: 'v6' };
  else if (arch === 'arm') out = { architecture: 'arm', variant: variant === '' || variant === '7' ? 'v7' : /^[5-8]$/.test(variant) ? `v${variant}` : variant };
  else out = { architecture: arch, variant };
  return out.variant ? out : { architecture: out.architecture };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, ...(p.variant ? [p.variant] : [])].join('/');
}

/** The architectures RUN steps can run for (a foreign one under QEMU user emulation). */
export const SUPPORTED_ARCHES: readonly string[] = ['amd64', 'arm64', 'arm', 'riscv64', 'ppc64le', 's390x', '386'];

/**
 * `os[/arch[/variant]]` (`local` = the host's) → a normalised platform, else E_PLATFORM. Any OS
 * and architecture are accepted, as BuildKit does: stages without RUN (scratch, COPY, metadata)
 * build for any of them; a RUN that cannot run here fails (exec/emulation.ts).
 */
export function parsePlatform(spec: string, host: Platform, location?: BuildError['location']): Platform {
  const s = spec.trim();
  if (s === 'local') return host;
  const parts = s.split('/');
  if (parts.length > 3 || parts.some((x) => !/^[A-Za-z0-9_.-]+$/.test(x))) {
    throw new BuildError('E_PLATFORM', `invalid platform ${JSON.stringify(spec)}: expected os[/arch[/variant]], e.g. linux/arm64`, { location, data: { platform: spec } });
  }
  const [os, arch, variant] = parts as [string, string?, string?];
  const p: Platform = arch === undefined ? { ...host, os: os.toLowerCase() } : { os: os.toLowerCase(), ...normalizeArch(arch, variant) };
  return p;
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
  if (image.toLowerCase() === 'scratch') {
    // an empty rootfs is the same on every platform, but the steps on it run as that platform's
    return { config: emptyConfig(platform), layers: [], fsKey: baseKey(undefined, samePlatform(platform, solve.hostPlatform) ? undefined : formatPlatform(platform)), onBuild: [], display: 'scratch', platform };
  }
  const named = namedContext(solve, image);
  if (named) image = imageRef(solve, image, 'FROM', location);
  const stage = named ? undefined : findStage(solve.dockerfile.stages, image, stageIndex);
  if (stage) {
    const r = await stageResult(solve, stage.index);
    return { ...clone(r.config, r.layers), fsKey: r.fsKey, display: image, vars: r.vars, platform: r.platform ?? platform };
  }
  let img;
  try {
    img = await lookupImage(solve, image, platform);
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
