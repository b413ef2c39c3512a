/**
 * The seccomp section of an OCI runtime config (runc/crun compile it with libseccomp), from the
 * same profile the perl final stage compiles itself (profile.ts). Pure.
 */
import type { SeccompProfile } from './profile.js';

/** SCMP_ARCH_* per Node arch: the native one and the sub-arches Docker lists with it */
const OCI_ARCHES: Partial<Record<string, string[]>> = {
  x64: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  arm64: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
  riscv64: ['SCMP_ARCH_RISCV64'],
  loong64: ['SCMP_ARCH_LOONGARCH64'],
};

const OPS = { eq: 'SCMP_CMP_EQ', lt: 'SCMP_CMP_LT', gt: 'SCMP_CMP_GT', maskedEq: 'SCMP_CMP_MASKED_EQ' } as const;

export function ociSeccomp(profile: SeccompProfile, arch: string = process.arch): Record<string, unknown> {
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: profile.defaultErrno,
    architectures: OCI_ARCHES[arch] ?? [],
    syscalls: profile.rules.filter((r) => !r.arches || r.arches.includes(arch)).map((r) => ({
      names: r.names,
      action: r.errno !== undefined ? 'SCMP_ACT_ERRNO' : 'SCMP_ACT_ALLOW',
      ...(r.errno !== undefined ? { errnoRet: r.errno } : {}),
      ...(r.args ? {
        args: r.args.map((c) => (c.op === 'maskedEq'
          ? { index: c.index, value: c.mask, valueTwo: c.value, op: OPS[c.op] }
          : { index: c.index, value: c.value, op: OPS[c.op] })),
      } : {}),
    })),
  };
}
