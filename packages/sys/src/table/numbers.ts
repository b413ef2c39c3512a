/**
 * The one syscall-number table's lookups (syscall-tables.ts is generated). Per Node arch: x64 and
 * ia32 their own tables; arm64, riscv64 and loong64 the generic 64-bit one — the two newer arches
 * differ from it only in arch-specific calls and in which old stat/rlimit calls they keep, none of
 * which tsbuild names (test/table.test.ts pins every number the perl programs use on each arch).
 * Other arches (arm, ppc64, s390x) have no table: there the addon is the only way (the perl
 * programs need numbers), and the executors' perl final stage is not offered.
 */
import { SYSCALLS_GENERIC_64, SYSCALLS_I386, SYSCALLS_X86_64 } from './syscall-tables.js';

const TEXT: Partial<Record<string, string>> = {
  x64: SYSCALLS_X86_64,
  ia32: SYSCALLS_I386,
  arm64: SYSCALLS_GENERIC_64,
  riscv64: SYSCALLS_GENERIC_64,
  loong64: SYSCALLS_GENERIC_64,
};

const parsed = new Map<string, Map<string, number>>();

export function hasSyscallTable(arch: string = process.arch): boolean {
  return TEXT[arch] !== undefined;
}

/** name → number for `arch` (a Node arch name); throws for an arch without a table */
export function syscallTable(arch: string = process.arch): Map<string, number> {
  let t = parsed.get(arch);
  if (!t) {
    const text = TEXT[arch];
    if (text === undefined) throw new Error(`no syscall table for ${arch}`);
    t = new Map(text.trim().split(/\s+/).map((w) => {
      const i = w.lastIndexOf(':');
      return [w.slice(0, i), Number(w.slice(i + 1))] as [string, number];
    }));
    parsed.set(arch, t);
  }
  return t;
}

/** The numbers of `names` on `arch`, in order; undefined when the arch has no table (or lacks one). */
export function syscallNumbers<const N extends readonly string[]>(names: N, arch: string = process.arch): { [K in keyof N]: number } | undefined {
  if (!hasSyscallTable(arch)) return undefined;
  const t = syscallTable(arch);
  const out = names.map((n) => t.get(n));
  return out.every((n) => n !== undefined) ? (out as { [K in keyof N]: number }) : undefined;
}
