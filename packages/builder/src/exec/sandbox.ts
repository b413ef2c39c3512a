/**
 * The per-step restrictions both executors apply beyond namespaces and mounts, decided in one
 * place (issue 16): Docker's default seccomp profile, the capability sets, RLIMIT_NOFILE.
 * `RUN --security=insecure` (granted by the `security.insecure` entitlement) lifts seccomp and
 * keeps every capability, as BuildKit's insecure mode does.
 */
import { readFileSync } from 'node:fs';
import { compileSeccomp, seccompSupported } from './seccomp/bpf.js';
import { DOCKER_DEFAULT_PROFILE } from './seccomp/profile.js';
import { DEFAULT_CAP_NUMBERS } from './final-stage.js';
import { DEFAULT_CAPS } from './setup-script.js';

export type SecurityMode = 'sandbox' | 'insecure';

let filter: Buffer | undefined;
/** The compiled default profile for this machine (compiled once per process, on first use). */
export function defaultSeccompFilter(): Buffer {
  if (!seccompSupported()) throw new Error(`no seccomp support for ${process.arch}`);
  return (filter ??= compileSeccomp(DOCKER_DEFAULT_PROFILE));
}

/** Every capability by name (linux/capability.h order): insecure steps keep them all */
export const ALL_CAP_NAMES = ['chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap',
  'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner', 'sys_module', 'sys_rawio',
  'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice', 'sys_resource', 'sys_time', 'sys_tty_config', 'mknod',
  'lease', 'audit_write', 'audit_control', 'setfcap', 'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend',
  'audit_read', 'perfmon', 'bpf', 'checkpoint_restore'];

/** Capability names a step keeps, OCI style (CAP_CHOWN …); insecure: all that tsbuild's own bounding set has (runc cannot grant more) */
export function stepCapNames(security: SecurityMode): string[] {
  const names = security === 'insecure' ? ALL_CAP_NAMES.filter((_, i) => (ownBounding() >> BigInt(i)) & 1n) : DEFAULT_CAPS;
  return names.map((c) => `CAP_${c.toUpperCase()}`);
}

let bounding: bigint | undefined;
function ownBounding(): bigint {
  if (bounding === undefined) {
    try {
      bounding = BigInt(`0x${/^CapBnd:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0'}`);
    } catch {
      bounding = 0n;
    }
  }
  return bounding;
}

/** Capability numbers a step's bounding set keeps */
export function stepCaps(security: SecurityMode): number[] {
  if (security === 'insecure') return Array.from({ length: 64 }, (_, i) => i);
  return DEFAULT_CAPS.map((c) => DEFAULT_CAP_NUMBERS[c]!);
}

// No RLIMIT_NOFILE of the sandbox's own: without --ulimit, BuildKit resets the spec's rlimits so a
// step inherits the daemon's (moby/buildkit executor/oci/spec.go, "reset open files limit"), and a
// step of ours inherits tsbuild's. The differential fixture run-environment checks `ulimit -n`.
