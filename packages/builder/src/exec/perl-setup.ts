/**
 * The run's setup as one list of operations for the perl final stage (final-stage.ts), which
 * carries them out itself, right after `unshare` made the namespaces: no `/bin/sh`, no
 * `mount -a -T fstab` process, and nothing written on the host per run.
 *
 *   M source target fstype flags data   mount(2) ('' fstype / data = NULL)
 *   D path mode                         mkdir + chmod
 *   F path mode content                 create a file with this content + chmod
 *   L target path                       symlink
 *   U path                              unlink
 *   X path                              umount2(MNT_DETACH)
 *   R path                              rmdir
 *   H name                              hostname (the new UTS namespace's)
 *
 * The mounts are the same, in the same order and with the same flags, as mount(8) makes from the
 * fstab of setup-script.ts (a bind with options = a bind then a bind remount), except /dev: a
 * fresh tmpfs (nosuid, mode 755, 64 MiB, as runc mounts it) holding the skeleton, instead of a
 * bind of a host directory; and the /etc files, created on a small tmpfs of their own, bound
 * read-only onto their targets, after which that tmpfs is detached (the binds keep it alive).
 *
 * Pure: no I/O here.
 */
import { DEV_NODES, shmKiB } from './setup-script.js';

export const MS_RDONLY = 1;
export const MS_NOSUID = 2;
export const MS_NODEV = 4;
export const MS_NOEXEC = 8;
export const MS_REMOUNT = 32;
export const MS_BIND = 4096;
export const MS_REC = 16384;
export const MS_STRICTATIME = 1 << 24;

export const DEV_LINKS: [string, string][] = [['fd', '/proc/self/fd'], ['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'],
  ['stderr', '/proc/self/fd/2'], ['ptmx', 'pts/ptmx']];

export interface PerlSetupInput {
  /** host path of the rootfs */
  root: string;
  /** /etc files: their contents and resolved host targets */
  etc: { name: string; content: string; target: string }[];
  mounts: ({ type: 'bind'; source: string; target: string; readonly: boolean } | { type: 'tmpfs'; target: string; size?: number })[];
  hostname: string;
  /** bytes of /dev/shm (default 64 MiB) */
  shmSize?: number;
  freshSysfs: boolean;
  procReadonly: string[];
  procMasked: string[];
  dirsMasked: string[];
  /** no device nodes usable outside /dev's own binds (where no devices cgroup does that job) */
  nodev?: boolean;
  /** RUN --security=insecure: a writable sysfs, as BuildKit's insecure mode (WithWriteableSysfs) */
  writableSysfs?: boolean;
  /** gid 5 (tty) cannot exist here (a single-uid user namespace): devpts without gid=5, its ptys root's */
  noTtyGroup?: boolean;
}

const RO_SAFE = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;

export function planPerlSetup(i: PerlSetupInput): string[] {
  const r = i.root;
  const ops: string[] = [];
  const mount = (src: string, tgt: string, type: string, flags: number, data = '') => ops.push('M', src, tgt, type, String(flags), data);
  /** mount(8)'s `bind[,opts]`: the bind, then a remount with the options when there are any */
  const bind = (src: string, tgt: string, flags = 0, rec = false) => {
    const b = MS_BIND | (rec ? MS_REC : 0);
    mount(src, tgt, '', b);
    if (flags) mount('none', tgt, '', MS_REMOUNT | b | flags);
  };

  // the rootfs must be a mount point of its own for pivot_root (a copied rootfs is a plain dir)
  const nodev = i.nodev ? MS_NODEV : 0;
  bind(r, r, nodev);
  mount('proc', `${r}/proc`, 'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC);
  // the run's own writable /dev, gone with the mount namespace (the default nodes are binds of their own)
  mount('tmpfs', `${r}/dev`, 'tmpfs', MS_NOSUID | MS_STRICTATIME | nodev, 'mode=755,size=65536k');
  for (const d of ['pts', 'shm', 'mqueue']) ops.push('D', `${r}/dev/${d}`, '755');
  for (const n of DEV_NODES) ops.push('F', `${r}/dev/${n}`, '666', '');
  for (const [name, target] of DEV_LINKS) ops.push('L', target, `${r}/dev/${name}`);
  // never rbind /sys: `ro` would only apply to the top mount, leaving the host's cgroup fs writable
  if (i.freshSysfs) mount('sysfs', `${r}/sys`, 'sysfs', i.writableSysfs ? RO_SAFE & ~MS_RDONLY : RO_SAFE);
  else bind('/sys', `${r}/sys`, RO_SAFE);
  for (const n of DEV_NODES) bind(`/dev/${n}`, `${r}/dev/${n}`);
  mount('devpts', `${r}/dev/pts`, 'devpts', MS_NOSUID | MS_NOEXEC, `newinstance,ptmxmode=0666,mode=0620${i.noTtyGroup ? '' : ',gid=5'}`);
  mount('shm', `${r}/dev/shm`, 'tmpfs', MS_NOSUID | MS_NODEV | MS_NOEXEC, `mode=1777,size=${shmKiB(i.shmSize)}k`);
  mount('mqueue', `${r}/dev/mqueue`, 'mqueue', MS_NOSUID | MS_NODEV | MS_NOEXEC);
  for (const p of i.procReadonly) bind(`${r}/proc/${p}`, `${r}/proc/${p}`, RO_SAFE);
  for (const p of i.procMasked) bind('/dev/null', `${r}/proc/${p}`);
  for (const d of i.dirsMasked) mount('tmpfs', `${r}${d}`, 'tmpfs', RO_SAFE, 'size=0');
  if (i.etc.length > 0) {
    // on a tmpfs of their own, detached again once bound: /dev stays clean, the files keep a link
    const dir = `${r}/dev/.tsbuild-etc`;
    ops.push('D', dir, '755');
    mount('tmpfs', dir, 'tmpfs', MS_NOSUID | MS_NODEV | MS_NOEXEC, 'mode=755,size=1m');
    for (const [n, e] of i.etc.entries()) {
      ops.push('F', `${dir}/${n}`, '644', e.content);
      bind(`${dir}/${n}`, e.target, RO_SAFE);
    }
    ops.push('X', dir, 'R', dir);
  }
  for (const m of i.mounts) {
    if (m.type === 'bind') bind(m.source, m.target, (m.readonly ? MS_RDONLY : 0) | nodev, true);
    else mount('tmpfs', m.target, 'tmpfs', MS_NOSUID | MS_NODEV, m.size ? `size=${m.size}` : '');
  }
  ops.push('H', i.hostname);
  return ops;
}
