/**
 * The one syscall table answers every number the perl programs use, on every arch they run on —
 * the values the hand-written tables held before (final-stage.ts, the syscall helper, fsx.ts,
 * xattrs.ts, capabilities.ts), including riscv64 and loong64, which share the generic table.
 */
import { describe, expect, it } from 'vitest';
import { hasSyscallTable, syscallNumbers, syscallTable } from '@tsbuild/sys';

const NAMES = ['pivot_root', 'umount2', 'prctl', 'setgroups', 'setresgid', 'setresuid', 'setns', 'keyctl', 'prlimit64', 'capget',
  'capset', 'sethostname', 'mount', 'lgetxattr', 'llistxattr', 'lsetxattr', 'mknodat', 'close_range'] as const;
const GENERIC = [41, 39, 167, 159, 149, 147, 268, 219, 261, 90, 91, 161, 40, 9, 12, 6, 33, 436];

describe('syscall table', () => {
  it('pins the numbers the hand tables had', () => {
    expect(syscallNumbers(NAMES, 'x64')).toEqual([155, 166, 157, 116, 119, 117, 308, 250, 302, 125, 126, 170, 165, 192, 195, 189, 259, 436]);
    for (const arch of ['arm64', 'riscv64', 'loong64']) expect(syscallNumbers(NAMES, arch), arch).toEqual(GENERIC);
    expect(syscallNumbers(['lgetxattr', 'lsetxattr'], 'ia32')).toEqual([230, 227]);
  });

  it('has no table for other arches, and says so', () => {
    expect(hasSyscallTable('s390x')).toBe(false);
    expect(syscallNumbers(['mount'], 's390x')).toBeUndefined();
    expect(() => syscallTable('ppc64')).toThrow(/no syscall table for ppc64/);
    expect(syscallNumbers(['no_such_call'], 'x64')).toBeUndefined();
  });
});
