/**
 * Which manifest of an index a pull takes. `hostPlatformForRegistry` is the host's os/arch/variant
 * in OCI terms; kept small and named so it folds into the one platform helper (issue 13) later.
 */
import type { Descriptor } from '../types.js';

export interface Platform { os: string; architecture: string; variant?: string }

export function hostPlatformForRegistry(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };
  const p: Platform = { os: 'linux', architecture: arch[process.arch] ?? process.arch };
  if (process.arch === 'arm64') p.variant = 'v8';
  if (process.arch === 'arm') p.variant = `v${String((process.config.variables as Record<string, unknown>).arm_version ?? '7')}`;
  return p;
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/**
 * containerd's platform matching, reduced to what one host runs: same os and architecture; the
 * exact variant first, then no variant (arm64's default is v8, amd64's v1), then none.
 */
export function selectPlatform(manifests: Descriptor[], want: Platform): Descriptor | undefined {
  const candidates = manifests.filter((m) => m.platform?.os === want.os && m.platform.architecture === want.architecture);
  const norm = (v: string | undefined) => (v === undefined || v === '' || (want.architecture === 'arm64' && v === 'v8') || (want.architecture === 'amd64' && v === 'v1') ? '' : v);
  return candidates.find((m) => norm(m.platform!.variant) === norm(want.variant)) ?? (want.variant ? undefined : candidates[0]);
}
