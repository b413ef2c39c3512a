/**
 * The OCI runtime spec (config.json) for one RUN step, as BuildKit's runc executor generates it
 * in spirit: new pid/ipc/uts/mount namespaces (+ network for `none`), Docker's default capability
 * set, masked and read-only /proc paths, the standard /dev, /dev/pts, /dev/shm, /dev/mqueue,
 * read-only sysfs, /etc/{hosts,resolv.conf} bound read-only, then the step's mounts.
 * Pure: no I/O.
 */
import type { RunSpec } from './types.js';
import type { PreparedRun } from './prepare-run.js';
import { shmKiB } from './setup-script.js';
import { ociSeccomp } from './seccomp/oci.js';
import { DOCKER_DEFAULT_PROFILE } from './seccomp/profile.js';
import { stepCapNames } from './sandbox.js';
import { PIDS_MAX } from './step-cgroup.js';

const MASKED = ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware'];
const READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** "unlimited" in process.rlimits: 2^63, beyond any real limit (2^64-1 has no exact JSON number) */
const UNLIMITED = 2 ** 63;

export interface OciMount { destination: string; type: string; source: string; options: string[] }

/** `netns`: the pooled namespace of the default network (exec/netns-pool.ts) */
export function ociSpec(spec: RunSpec, prepared: PreparedRun, netns?: string): Record<string, unknown> {
  const security = spec.security ?? 'sandbox';
  // never fall back to the host's network namespace for the isolated default
  if (spec.network === 'default' && !netns) throw new Error('ociSpec: the default network needs its namespace path');
  const caps = stepCapNames(security);
  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmKiB(spec.shmSize)}k`] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', security === 'insecure' ? 'rw' : 'ro'] },
    ...prepared.etc.map((e) => ({ destination: e.target, type: 'bind', source: e.source, options: ['rbind', 'ro', 'nosuid', 'nodev', 'noexec'] })),
    ...prepared.mounts.map((m): OciMount => (m.type === 'bind'
      ? { destination: m.target, type: 'bind', source: m.source, options: ['rbind', m.readonly ? 'ro' : 'rw'] }
      : { destination: m.target, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', ...(m.size ? [`size=${m.size}`] : [])] })),
  ];
  const namespaces = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' },
    ...(spec.network === 'none' ? [{ type: 'network' }] : spec.network === 'default' && netns ? [{ type: 'network', path: netns }] : [])];
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: spec.user.uid, gid: spec.user.gid, additionalGids: spec.user.additionalGids },
      args: spec.args,
      env: spec.env,
      cwd: spec.cwd,
      // no inheritable or ambient set: runc clears both
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: false,
      // only --ulimit: without it a step inherits our limits, as BuildKit's inherit buildkitd's
      rlimits: [
        ...(spec.ulimits ?? []).map((u) => ({ type: `RLIMIT_${u.name.toUpperCase()}`, soft: u.soft < 0 ? UNLIMITED : u.soft, hard: u.hard < 0 ? UNLIMITED : u.hard })),
      ],
    },
    root: { path: spec.rootfs, readonly: false },
    hostname: spec.hostname,
    mounts,
    linux: {
      namespaces,
      // insecure: BuildKit's WithInsecureSpec (no masked or read-only paths, every device allowed)
      maskedPaths: security === 'insecure' ? [] : MASKED,
      readonlyPaths: security === 'insecure' ? [] : READONLY,
      // deny all (insecure: allow all); runc adds Docker's default allow-list (null, zero, full, random, urandom, tty, console, ptmx, pts, tun)
      resources: { devices: [{ allow: security === 'insecure', access: 'rwm' }], pids: { limit: PIDS_MAX } },
      ...(security === 'insecure' ? {} : { seccomp: ociSeccomp(DOCKER_DEFAULT_PROFILE) }),
    },
  };
}
