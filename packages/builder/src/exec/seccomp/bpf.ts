/**
 * Compiles a SeccompProfile (profile.ts) into a classic-BPF seccomp program for one architecture:
 * the bytes of a `struct sock_filter[]`, ready for prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER).
 *
 *   arch check ─▶ (x86_64: x32 numbers denied) ─▶ binary search over the sorted syscall-number
 *   ranges ─▶ ALLOW | ERRNO(default) | ERRNO(n) | per-syscall argument checks ─▶ ALLOW / ERRNO
 *
 * Every conditional jump skips at most one instruction and long jumps are `ja` (32-bit offset),
 * so no program size can overflow the 8-bit jt/jf fields. On x86_64 the profile is compiled a
 * second time for i386 (32-bit binaries in a RUN, as Docker's SCMP_ARCH_X86 sub-arch); any other
 * architecture's syscalls (x32, arm on aarch64) are denied outright: their numbers differ, and a
 * filter that ignored them would be bypassed through them.
 *
 * Pure: no I/O.
 */
import { endianness } from 'node:os';
import type { ArgCmp, SeccompProfile } from './profile.js';
import { syscallTable } from '@tsbuild/sys';

export { syscallTable };

/** AUDIT_ARCH_* per Node arch and the compat arch compiled along ('ia32': i386); the numbers are @tsbuild/sys's one table */
const ARCHES: Partial<Record<string, { audit: number; compat?: string }>> = {
  x64: { audit: 0xc000003e, compat: 'ia32' },
  ia32: { audit: 0x40000003 },
  arm64: { audit: 0xc00000b7 },
  riscv64: { audit: 0xc00000f3 },
  loong64: { audit: 0xc0000102 },
};

export function seccompSupported(arch: string = process.arch): boolean {
  return ARCHES[arch] !== undefined && endianness() === 'LE';
}

// classic BPF opcodes (linux/filter.h, linux/bpf_common.h)
const LD_W_ABS = 0x20;
const JEQ = 0x15;
const JGT = 0x25;
const JGE = 0x35;
const JA = 0x05;
const RET = 0x06;
const AND = 0x54;
// seccomp return values (linux/seccomp.h)
export const RET_ALLOW = 0x7fff0000;
export const RET_ERRNO = 0x00050000;
// offsets in struct seccomp_data (little-endian: an argument's low word first)
const OFF_NR = 0;
const OFF_ARCH = 4;
const argLo = (i: number) => 16 + 8 * i;
const argHi = (i: number) => 20 + 8 * i;
const X32_SYSCALL_BIT = 0x40000000;

type Insn = { code: number; jt: number; jf: number; k: number | string };

/** An action a syscall number maps to: 'allow', 'errno:<n>', or 'rules:<nr>' (argument checks). */
type Action = string;

class Program {
  readonly insns: Insn[] = [];
  private readonly labels = new Map<string, number>();

  label(name: string): void {
    this.labels.set(name, this.insns.length);
  }
  load(offset: number): void {
    this.insns.push({ code: LD_W_ABS, jt: 0, jf: 0, k: offset });
  }
  and(k: number): void {
    this.insns.push({ code: AND, jt: 0, jf: 0, k });
  }
  ret(k: number): void {
    this.insns.push({ code: RET, jt: 0, jf: 0, k });
  }
  goto(label: string): void {
    this.insns.push({ code: JA, jt: 0, jf: 0, k: label });
  }
  /** if (A <op> k) == when, goto label */
  jumpIf(op: number, k: number, when: boolean, label: string): void {
    // true: skip the ja when the test fails; false: skip it when the test holds
    this.insns.push({ code: op, jt: when ? 0 : 1, jf: when ? 1 : 0, k });
    this.goto(label);
  }
  bytes(): Buffer {
    const buf = Buffer.alloc(this.insns.length * 8);
    this.insns.forEach((ins, i) => {
      let k = ins.k;
      if (typeof k === 'string') {
        const at = this.labels.get(k);
        if (at === undefined) throw new Error(`seccomp: undefined label ${k}`);
        k = at - i - 1;
      }
      buf.writeUInt16LE(ins.code, i * 8);
      buf.writeUInt8(ins.jt, i * 8 + 2);
      buf.writeUInt8(ins.jf, i * 8 + 3);
      buf.writeUInt32LE(k >>> 0, i * 8 + 4);
    });
    if (this.insns.length > 4096) throw new Error(`seccomp: program of ${this.insns.length} instructions exceeds BPF_MAXINSNS`);
    return buf;
  }
}

/** The filter for `arch` (a Node arch name), as sock_filter bytes. */
export function compileSeccomp(profile: SeccompProfile, arch: string = process.arch): Buffer {
  const a = ARCHES[arch];
  if (!a) throw new Error(`seccomp: no syscall table for ${arch}`);
  const deny = RET_ERRNO | profile.defaultErrno;
  const p = new Program();
  const errnos = new Set<string>();
  p.load(OFF_ARCH);
  if (a.compat) p.jumpIf(JEQ, ARCHES[a.compat]!.audit, true, `arch:${a.compat}`);
  p.jumpIf(JEQ, a.audit, false, 'deny');
  p.load(OFF_NR);
  if (arch === 'x64') p.jumpIf(JGE, X32_SYSCALL_BIT, true, 'deny');
  emitArch(p, profile, arch, errnos);
  if (a.compat) {
    p.label(`arch:${a.compat}`);
    p.load(OFF_NR);
    emitArch(p, profile, a.compat, errnos);
  }
  for (const e of errnos) {
    p.label(e);
    p.ret(RET_ERRNO | Number(e.slice('errno:'.length)));
  }
  p.label('allow');
  p.ret(RET_ALLOW);
  p.label('deny');
  p.ret(deny);
  return p.bytes();
}

/** The number search and argument checks of one arch (A holds the syscall number); jumps to allow/deny/errno labels. */
function emitArch(p: Program, profile: SeccompProfile, arch: string, errnos: Set<string>): void {
  const table = syscallTable(arch);
  // number → action; argument rules of one syscall are gathered (any rule matching allows)
  const actions = new Map<number, Action>();
  const argRules = new Map<number, ArgCmp[][]>();
  for (const rule of profile.rules) {
    if (rule.arches && !rule.arches.includes(arch)) continue;
    for (const name of rule.names) {
      const nr = table.get(name);
      if (nr === undefined) continue; // not a syscall of this arch
      if (rule.errno !== undefined) actions.set(nr, `errno:${rule.errno}`);
      else if (rule.args) {
        if (actions.get(nr) === 'allow') continue;
        actions.set(nr, `rules:${arch}:${nr}`);
        argRules.set(nr, [...(argRules.get(nr) ?? []), rule.args]);
      } else actions.set(nr, 'allow');
    }
  }
  for (const act of actions.values()) if (act.startsWith('errno:')) errnos.add(act);
  // consecutive numbers with one action → ranges, sorted
  const ranges: { lo: number; hi: number; action: Action }[] = [];
  for (const nr of [...actions.keys()].sort((x, y) => x - y)) {
    const act = actions.get(nr)!;
    const last = ranges[ranges.length - 1];
    if (last && last.hi === nr - 1 && last.action === act && !act.startsWith('rules:')) last.hi = nr;
    else ranges.push({ lo: nr, hi: nr, action: act });
  }

  let n = 0;
  const search = (lo: number, hi: number): void => {
    if (hi - lo < 4) {
      // ascending: below this range → no rule (earlier ranges were already passed)
      for (let i = lo; i <= hi; i++) {
        const r = ranges[i]!;
        p.jumpIf(JGE, r.lo, false, 'deny');
        p.jumpIf(JGT, r.hi, false, r.action);
      }
      p.goto('deny');
      return;
    }
    const mid = (lo + hi + 1) >> 1;
    const right = `s:${arch}:${n++}`;
    p.jumpIf(JGE, ranges[mid]!.lo, true, right);
    search(lo, mid - 1);
    p.label(right);
    search(mid, hi);
  };
  if (ranges.length) search(0, ranges.length - 1);
  else p.goto('deny');

  for (const [nr, alternatives] of argRules) {
    const at = `rules:${arch}:${nr}`;
    p.label(at);
    alternatives.forEach((conds, i) => {
      const next = `${at}:${i + 1}`;
      conds.forEach((c, j) => {
        if (c.value > 0xffffffff || (c.op === 'maskedEq' && c.mask > 0xffffffff)) throw new Error('seccomp: 64-bit argument values are not supported');
        const held = `${at}:${i}:${j}`;
        // the high word: a value < 2^32 equals or exceeds only a zero high word; anything above is greater
        if (c.op !== 'maskedEq') {
          p.load(argHi(c.index));
          p.jumpIf(JEQ, 0, false, c.op === 'gt' ? held : next);
        }
        p.load(argLo(c.index));
        if (c.op === 'eq') p.jumpIf(JEQ, c.value, false, next);
        else if (c.op === 'lt') p.jumpIf(JGE, c.value, true, next);
        else if (c.op === 'gt') p.jumpIf(JGT, c.value, false, next);
        else if (c.op === 'maskedEq') {
          p.and(c.mask);
          p.jumpIf(JEQ, c.value, false, next);
        }
        p.label(held);
      });
      p.goto('allow');
      p.label(next);
    });
    p.goto('deny');
  }
}
