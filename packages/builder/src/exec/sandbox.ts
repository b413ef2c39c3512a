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
/** The compiled default profile for this machine (compiled once per process, ~1 ms). */
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

const NOFILE_SOFT = 1024;
const NOFILE_HARD = 1048576;
const CAP_SYS_RESOURCE = 24;
let nofile: [number, number] | undefined;

/**
 * RLIMIT_NOFILE soft:hard for a step: 1024:1048576 (containerd's and systemd's soft limit, the hard
 * limit Docker daemons run with), whatever limits tsbuild's caller set. Without CAP_SYS_RESOURCE
 * the hard limit cannot be raised: it stays at ours then.
 */
export function stepNofile(): [number, number] {
  if (nofile) return nofile;
  let hard = NOFILE_HARD;
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const capEff = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)/m.exec(status)?.[1] ?? '0'}`);
    // CAP_SYS_RESOURCE raises a hard limit only when held in the initial user namespace: in a
    // rootless build's namespace it does not, and the caller's hard limit is the step's ceiling
    const initialNs = /^\s*0\s+0\s+4294967295\s*$/.test(readFileSync('/proc/self/uid_map', 'utf8'));
    if (!initialNs || !(capEff & (1n << BigInt(CAP_SYS_RESOURCE)))) {
      const line = /^Max open files\s+\S+\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
      if (line && line[1] !== 'unlimited') hard = Math.min(hard, Number(line[1]));
    }
  } catch {
    // no /proc: keep the defaults
  }
  return (nofile = [Math.min(NOFILE_SOFT, hard), hard]);
}
