/**
 * The seccomp compiler, checked by running its programs in a small classic-BPF interpreter over
 * every syscall number (and argument edge cases) against the profile's own meaning.
 */
import { describe, expect, test } from 'vitest';
import { compileSeccomp, RET_ALLOW, RET_ERRNO, syscallTable } from '../../src/exec/seccomp/bpf.js';
import { DOCKER_DEFAULT_PROFILE, type SeccompProfile } from '../../src/exec/seccomp/profile.js';
import { ociSeccomp } from '../../src/exec/seccomp/oci.js';

const AUDIT = { x64: 0xc000003e, arm64: 0xc00000b7 } as const;

/** Runs a sock_filter program on seccomp_data {nr, arch, args} (args as bigints). */
function run(prog: Buffer, nr: number, arch: number, args: bigint[] = []): number {
  const data = Buffer.alloc(64);
  data.writeInt32LE(nr, 0);
  data.writeUInt32LE(arch, 4);
  args.forEach((a, i) => data.writeBigUInt64LE(BigInt.asUintN(64, a), 16 + 8 * i));
  let A = 0;
  for (let pc = 0, steps = 0; steps < 10_000; steps++) {
    const code = prog.readUInt16LE(pc * 8);
    const jt = prog.readUInt8(pc * 8 + 2);
    const jf = prog.readUInt8(pc * 8 + 3);
    const k = prog.readUInt32LE(pc * 8 + 4);
    switch (code) {
      case 0x20: A = data.readUInt32LE(k); pc++; break;
      case 0x54: A = (A & k) >>> 0; pc++; break;
      case 0x06: return k;
      case 0x05: pc += 1 + k; break;
      case 0x15: pc += 1 + (A === k ? jt : jf); break;
      case 0x25: pc += 1 + (A > k ? jt : jf); break;
      case 0x35: pc += 1 + (A >= k ? jt : jf); break;
      default: throw new Error(`opcode ${code}`);
    }
    if (pc * 8 >= prog.length) throw new Error('ran off the end');
  }
  throw new Error('loop');
}

/** What the profile says, read directly. */
function expected(profile: SeccompProfile, arch: string, name: string | undefined, args: bigint[]): number {
  if (name === undefined) return RET_ERRNO | profile.defaultErrno;
  let result = RET_ERRNO | profile.defaultErrno;
  for (const r of profile.rules) {
    if (r.arches && !r.arches.includes(arch)) continue;
    if (!r.names.includes(name)) continue;
    if (r.errno !== undefined) return RET_ERRNO | r.errno;
    const ok = (r.args ?? []).every((c) => {
      const v = args[c.index] ?? 0n;
      if (c.op === 'eq') return v === BigInt(c.value);
      if (c.op === 'lt') return v < BigInt(c.value);
      if (c.op === 'gt') return v > BigInt(c.value);
      return c.op === 'maskedEq' && (v & BigInt(c.mask)) === BigInt(c.value);
    });
    if (ok) result = RET_ALLOW;
  }
  return result;
}

describe.each(['x64', 'arm64'] as const)('Docker default profile on %s', (arch) => {
  const prog = compileSeccomp(DOCKER_DEFAULT_PROFILE, arch);
  const byNr = new Map([...syscallTable(arch)].map(([n, v]) => [v, n]));
  const audit = AUDIT[arch];

  test('every syscall number gets the profile\'s answer', () => {
    for (let nr = 0; nr < 600; nr++) {
      const name = byNr.get(nr);
      expect(run(prog, nr, audit), `${name ?? '?'} (${nr})`).toBe(expected(DOCKER_DEFAULT_PROFILE, arch, name, []));
    }
  });

  test('argument rules: socket families, personality, clone flags', () => {
    const nr = (n: string) => syscallTable(arch).get(n)!;
    const cases: [string, bigint[]][] = [];
    for (const fam of [0n, 1n, 2n, 10n, 17n, 37n, 38n, 39n, 40n, 41n, 45n, 1n << 32n, (1n << 32n) + 38n]) cases.push(['socket', [fam]]);
    for (const p of [0n, 8n, 0x20000n, 0x20008n, 0xffffffffn, 0x400000n, 1n, 0xffffffffffffffffn]) cases.push(['personality', [p]]);
    for (const f of [0x11n, 0x01200011n, 0x10000000n, 0x20000000n, 0x00020000n, 0x40000000n, 0x8000000n, 1n << 40n]) cases.push(['clone', [f]]);
    cases.push(['clone3', [0n]], ['unshare', [0x10000000n]], ['keyctl', [1n]], ['mount', []], ['chroot', []], ['read', []]);
    for (const [name, args] of cases) {
      expect(run(prog, nr(name), audit, args), `${name}(${args.join(',')})`).toBe(expected(DOCKER_DEFAULT_PROFILE, arch, name, args));
    }
    expect(run(prog, nr('socket'), audit, [40n])).toBe(RET_ERRNO | 1);
    expect(run(prog, nr('socket'), audit, [17n])).toBe(RET_ALLOW);
    expect(run(prog, nr('clone'), audit, [0x10000000n])).toBe(RET_ERRNO | 1);
    expect(run(prog, nr('clone3'), audit, [])).toBe(RET_ERRNO | 38);
  });

  test('another architecture\'s syscalls (and x32) are denied', () => {
    expect(run(prog, 0, 0x40000028 /* ARM */)).toBe(RET_ERRNO | 1);
    if (arch === 'arm64') expect(run(prog, 0, 0x40000003)).toBe(RET_ERRNO | 1);
    if (arch === 'x64') expect(run(prog, 0x40000000 + 1, audit)).toBe(RET_ERRNO | 1);
  });
});

test('a compact program (x86_64 + i386: well below BPF_MAXINSNS 4096)', () => {
  expect(compileSeccomp(DOCKER_DEFAULT_PROFILE, 'x64').length / 8).toBeLessThan(1024);
});

test('the OCI form carries the same rules, masked comparisons as value/valueTwo', () => {
  const oci = ociSeccomp(DOCKER_DEFAULT_PROFILE, 'x64') as { defaultAction: string; defaultErrnoRet: number; architectures: string[]; syscalls: { names: string[]; action: string; args?: unknown[]; errnoRet?: number }[] };
  expect(oci.defaultAction).toBe('SCMP_ACT_ERRNO');
  expect(oci.architectures[0]).toBe('SCMP_ARCH_X86_64');
  expect(oci.syscalls.find((s) => s.names.includes('clone'))!.args).toEqual([{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]);
  expect(oci.syscalls.find((s) => s.names.includes('clone3'))).toMatchObject({ action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
  expect(oci.syscalls.some((s) => s.names.includes('riscv_flush_icache'))).toBe(false);
});

test('x86_64 filters i386 syscalls by the i386 table (32-bit binaries in a RUN, as Docker\'s x86 sub-arch)', () => {
  const prog = compileSeccomp(DOCKER_DEFAULT_PROFILE, 'x64');
  const byNr = new Map([...syscallTable('ia32')].map(([n, v]) => [v, n]));
  for (let nr = 0; nr < 600; nr++) {
    const name = byNr.get(nr);
    expect(run(prog, nr, 0x40000003), `i386 ${name ?? '?'} (${nr})`).toBe(expected(DOCKER_DEFAULT_PROFILE, 'ia32', name, []));
  }
  const i386 = (n: string) => syscallTable('ia32').get(n)!;
  // i386 unshare is 310 (x86_64's 310 is process_vm_readv): the table, not the number, decides
  expect(run(prog, i386('unshare'), 0x40000003, [0x10000000n])).toBe(RET_ERRNO | 1);
  expect(run(prog, i386('clone'), 0x40000003, [0x10000000n])).toBe(RET_ERRNO | 1);
  expect(run(prog, i386('clone'), 0x40000003, [0x11n])).toBe(RET_ALLOW);
  expect(run(prog, i386('socketcall'), 0x40000003)).toBe(RET_ALLOW);
  expect(run(prog, i386('modify_ldt'), 0x40000003)).toBe(RET_ALLOW);
  expect(run(prog, i386('read'), 0x40000003)).toBe(RET_ALLOW);
});
