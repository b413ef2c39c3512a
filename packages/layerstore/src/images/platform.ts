/**
 * Platforms, the one place that names them (like containerd's `platforms` package): Node's arch →
 * the OCI architecture/variant, `os[/arch[/variant]]` parse/format, and the normalisation that
 * makes `linux/x86_64`, `linux/amd64/v1` and `linux/amd64` one platform.
 */
import { endianness } from 'node:os';
import { formatError } from '../errors.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** Node's `process.arch` → OCI architecture (+ variant where the arch has one by default). */
export function ociArch(nodeArch: string = process.arch, armVersion: unknown = (process.config.variables as { arm_version?: unknown }).arm_version): { architecture: string; variant?: string } {
  switch (nodeArch) {
    case 'x64':
      return { architecture: 'amd64' };
    case 'ia32':
      return { architecture: '386' };
    case 'arm':
      return normalizeArch('arm', armVersion === undefined ? '' : String(armVersion));
    case 'ppc64':
      // Node says ppc64 for both byte orders; the images are ppc64le on little-endian hosts
      return { architecture: endianness() === 'LE' ? 'ppc64le' : 'ppc64' };
    default:
      // arm64, riscv64, s390x, loong64, mips64el … are the OCI names already
      return { architecture: nodeArch };
  }
}

/** The platform tsbuild builds for: linux on this machine's architecture. */
export function hostPlatform(): Platform {
  return { os: 'linux', ...ociArch() };
}

/** containerd's normalizeArch: aliases to their OCI names, default variants dropped. */
export function normalizeArch(arch: string, variant = ''): { architecture: string; variant?: string } {
  arch = arch.toLowerCase();
  variant = variant.toLowerCase();
  let out: { architecture: string; variant: string };
  switch (arch) {
    case 'i386':
      out = { architecture: '386', variant: '' };
      break;
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      out = { architecture: 'amd64', variant: variant === 'v1' ? '' : variant };
      break;
    case 'aarch64':
    case 'arm64':
      out = { architecture: 'arm64', variant: variant === '8' || variant === 'v8' || variant === 'v8.0' ? '' : variant };
      break;
    case 'armhf':
      out = { architecture: 'arm', variant: 'v7' };
      break;
    case 'armel':
      out = { architecture: 'arm', variant: 'v6' };
      break;
    case 'arm':
      out = { architecture: 'arm', variant: variant === '' || variant === '7' ? 'v7' : /^[568]$/.test(variant) ? `v${variant}` : variant };
      break;
    default:
      out = { architecture: arch, variant };
  }
  return out.variant ? out : { architecture: out.architecture };
}

/** A platform with its aliases resolved (`Linux/x86_64` → linux/amd64). */
export function normalizePlatform(p: Platform): Platform {
  return { os: p.os.toLowerCase(), ...normalizeArch(p.architecture, p.variant) };
}

/**
 * `os[/arch[/variant]]` → a normalised platform; a missing arch is the host's. E_FORMAT for an
 * empty part or more than three.
 */
export function parsePlatform(spec: string, host: Platform = hostPlatform()): Platform {
  const parts = spec.trim().split('/');
  if (parts.length > 3 || parts.some((x) => x === '' || !/^[A-Za-z0-9_.-]+$/.test(x))) throw formatError(`invalid platform ${JSON.stringify(spec)}: expected os[/arch[/variant]]`, { platform: spec });
  const [os, arch, variant] = parts as [string, string?, string?];
  if (arch === undefined) return { ...host, os: os.toLowerCase() };
  return normalizePlatform({ os, architecture: arch, variant });
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, ...(p.variant ? [p.variant] : [])].join('/');
}

/**
 * containerd's match for one host: same os and architecture; the entry with the same (normalised)
 * variant first, then — when `want` names none — the first of them.
 */
export function selectPlatform<T extends { platform?: Platform }>(items: readonly T[], want: Platform): T | undefined {
  const w = normalizePlatform(want);
  const same = items.filter((m) => m.platform && normalizePlatform(m.platform).os === w.os && normalizePlatform(m.platform).architecture === w.architecture);
  return same.find((m) => (normalizePlatform(m.platform!).variant ?? '') === (w.variant ?? '')) ?? (w.variant ? undefined : same[0]);
}

/** Same os and architecture, and the same variant where `want` names one. */
export function platformMatches(want: Platform, have: Platform): boolean {
  const w = normalizePlatform(want);
  const h = normalizePlatform(have);
  return w.os === h.os && w.architecture === h.architecture && (!w.variant || w.variant === h.variant);
}
