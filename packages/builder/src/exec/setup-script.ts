/**
 * The host-side setup a run performs inside its fresh namespaces, as data: one fstab file
 * (all mounts in order, one `mount -a -T` process) and a /bin/sh script that ends by exec'ing
 * the step's command through the final stage:
 *
 *   perl (final-stage.ts): pivot_root into the rootfs, detach the host root, capability bounding
 *     set, groups/gid/uid, cwd, exact env, execvp — the default;
 *   or, without perl: env -i <spec.env> setpriv --regid --groups --bounding-set --
 *     unshare -R <rootfs> -w <cwd> -S <uid> -- <args>  (chroot only: weaker, see below)
 *
 * Pure: no I/O here.
 */
import { DEFAULT_CAP_NUMBERS, perlFinalStage } from './final-stage.js';

export interface SetupPlan {
  fstab: string;
  script: string;
}

export interface SetupInput {
  tools: { mount: string; env: string; setpriv?: string; unshare: string; ip?: string; perl?: string };
  finalStage: 'perl' | 'setpriv';
  /** host path of the rootfs */
  root: string;
  /** host path of this run's /dev skeleton (symlinks, empty files for the nodes, pts/shm/mqueue dirs) */
  devDir: string;
  /** resolved host paths of the /etc files mounted over, and their sources */
  etcBinds: { source: string; target: string }[];
  /** user mounts with resolved host targets */
  mounts: ({ type: 'bind'; source: string; target: string; readonly: boolean } | { type: 'tmpfs'; target: string; size?: number })[];
  hostname: string;
  /** bytes of /dev/shm (default 64 MiB) */
  shmSize?: number;
  newNet: boolean;
  /** mount a fresh read-only sysfs; otherwise bind the host's /sys (without its submounts) read-only */
  freshSysfs: boolean;
  /** /proc entries made read-only / hidden (only those this kernel has) */
  procReadonly: string[];
  procMasked: string[];
  /** directories hidden under an empty read-only tmpfs (/proc/acpi, /proc/scsi, /sys/firmware: those that exist) */
  dirsMasked: string[];
  cwd: string;
  uid: number;
  gid: number;
  groups: number[];
  env: string[];
  args: string[];
}

/** Docker's (and so BuildKit's) default capability set for containers. */
export const DEFAULT_CAPS = ['chown', 'dac_override', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap',
  'net_bind_service', 'net_raw', 'sys_chroot', 'mknod', 'audit_write', 'setfcap'];

/** Docker's read-only and masked /proc paths: a root step must not reach the host kernel's knobs. */
export const PROC_READONLY = ['sys', 'sysrq-trigger', 'irq', 'bus', 'fs', 'asound'];
export const PROC_MASKED = ['kcore', 'keys', 'timer_list', 'sched_debug', 'latency_stats', 'timer_stats'];
export const DIRS_MASKED = ['/proc/acpi', '/proc/scsi', '/sys/firmware'];

export const DEV_NODES = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];

/** fstab field escaping (getmntent): space, tab, newline, backslash as octal */
function f(s: string): string {
  return s.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/** /dev/shm's size in KiB: Docker's 64 MiB unless --shm-size says otherwise */
export function shmKiB(bytes: number | undefined): number {
  return bytes && bytes > 0 ? Math.max(4, Math.ceil(bytes / 1024)) : 65536;
}

/** single-quote for /bin/sh */
export function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function planSetup(i: SetupInput): SetupPlan {
  const r = i.root;
  const line = (src: string, tgt: string, type: string, opts: string) => `${f(src)} ${f(tgt)} ${type} ${opts} 0 0`;
  const fstab = [
    // the rootfs must be a mount point of its own for pivot_root (a copied rootfs is a plain dir)
    line(r, r, 'none', 'bind'),
    line('proc', `${r}/proc`, 'proc', 'nosuid,nodev,noexec'),
    // the run's own writable /dev skeleton (removed after the run), device nodes bound onto it
    line(i.devDir, `${r}/dev`, 'none', 'bind,nosuid'),
    i.freshSysfs
      ? line('sysfs', `${r}/sys`, 'sysfs', 'ro,nosuid,nodev,noexec')
      // never rbind: `ro` would only apply to the top mount, leaving the host's cgroup fs writable
      : line('/sys', `${r}/sys`, 'none', 'bind,ro,nosuid,nodev,noexec'),
    ...DEV_NODES.map((n) => line(`/dev/${n}`, `${r}/dev/${n}`, 'none', 'bind')),
    line('devpts', `${r}/dev/pts`, 'devpts', 'newinstance,ptmxmode=0666,mode=0620,gid=5,nosuid,noexec'),
    line('shm', `${r}/dev/shm`, 'tmpfs', `nosuid,nodev,noexec,mode=1777,size=${shmKiB(i.shmSize)}k`),
    line('mqueue', `${r}/dev/mqueue`, 'mqueue', 'nosuid,nodev,noexec'),
    ...i.procReadonly.map((p) => line(`${r}/proc/${p}`, `${r}/proc/${p}`, 'none', 'bind,ro,nosuid,nodev,noexec')),
    ...i.procMasked.map((p) => line('/dev/null', `${r}/proc/${p}`, 'none', 'bind')),
    ...i.dirsMasked.map((d) => line('tmpfs', `${r}${d}`, 'tmpfs', 'ro,nosuid,nodev,noexec,size=0')),
    ...i.etcBinds.map((b) => line(b.source, b.target, 'none', 'bind,ro,nosuid,nodev,noexec')),
    ...i.mounts.map((m) =>
      m.type === 'bind'
        ? line(m.source, m.target, 'none', m.readonly ? 'rbind,ro' : 'rbind')
        : line('tmpfs', m.target, 'tmpfs', `nosuid,nodev${m.size ? `,size=${m.size}` : ''}`)),
  ];
  const env = i.env.filter((e) => e.indexOf('=') > 0);
  const t = i.tools;
  const usePerl = i.finalStage === 'perl';
  // Setup errors go to fd 3 (read by the executor), so they never mix with the step's output;
  // "\nOK" on fd 3 marks a complete setup.
  const head = [
    'set -e',
    // the step's file creation mask, as runc sets it
    'umask 022',
    'exec 4>&2 2>&3',
    `${q(t.mount)} -a -T "$1"`,
    `echo ${q(i.hostname)} > /proc/sys/kernel/hostname`,
    // (the perl final stage brings lo up itself, one process less)
    ...(i.newNet && t.ip && !usePerl ? [`${q(t.ip)} link set lo up`] : []),
  ];
  let tail: string[];
  if (usePerl) {
    const caps = DEFAULT_CAPS.map((c) => DEFAULT_CAP_NUMBERS[c]!);
    if (!t.perl) throw new Error('the perl final stage needs perl');
    const argv = [t.perl, '-e', perlFinalStage(caps, { loopbackUp: i.newNet }), '--', i.cwd, String(i.uid), String(i.gid), i.groups.join(','), String(env.length), ...env, ...i.args];
    tail = [`cd ${q(r)}`, 'exec 2>&4 4>&-', `exec ${argv.map(q).join(' ')}`];
  } else {
    if (!t.setpriv) throw new Error('setpriv is needed when perl is not available');
    // chroot only (the inner unshare needs CAP_SYS_CHROOT for it, so the step keeps it too): a root
    // step that calls chroot(2) itself can get out — detectExecutor prefers an OCI runtime then
    const caps = DEFAULT_CAPS;
    const final = [
      t.env, '-i', ...env,
      t.setpriv, `--regid=${i.gid}`, ...(i.groups.length ? [`--groups=${i.groups.join(',')}`] : ['--clear-groups']),
      `--bounding-set=-all,${caps.map((c) => `+${c}`).join(',')}`,
      // capabilities tsbuild's caller held as inheritable/ambient must not come back at exec (no seccomp here)
      '--inh-caps=-all', '--ambient-caps=-all', '--',
      t.unshare, `--root=${r}`, `--wd=${i.cwd}`, ...(i.uid !== 0 ? [`--setuid=${i.uid}`] : []), '--',
      ...i.args,
    ];
    tail = [`printf '\\nOK' >&3`, 'exec 2>&4 4>&- 3>&-', `exec ${final.map(q).join(' ')}`];
  }
  const script = [...head, ...tail].join('\n');
  return { fstab: `${fstab.join('\n')}\n`, script };
}
