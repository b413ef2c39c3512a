/**
 * Rootfs preparation shared by the executors: the runtime's mount points /proc /dev /sys and the
 * working directory (created and kept, as runc/BuildKit do), mount-target stubs for the /etc files
 * and the step's mounts (removed again after the run, see stubs.ts), and private copies of secret
 * files with their requested owner and mode.
 */
import { chmodSync, chownSync, copyFileSync, lstatSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSpec } from './types.js';
import { BuildError } from '../errors.js';
import { MountStubs } from './stubs.js';
import { resolveInRoot } from '@tsbuild/layerstore';
import { ETC_FILES } from './etc-files.js';

export type PreparedMount =
  | { type: 'bind'; source: string; target: string; hostTarget: string; readonly: boolean }
  | { type: 'tmpfs'; target: string; hostTarget: string; size?: number };

export interface PreparedRun {
  etc: { source: string; target: string; hostTarget: string }[];
  /** parents before children */
  mounts: PreparedMount[];
}

export function prepareRun(spec: RunSpec, stubs: MountStubs, runDir: string, etcDir: string): PreparedRun {
  const root = spec.rootfs;
  ensureRuntimeMountpoints(root);
  ensureWorkdir(root, spec.cwd, spec.user);
  const etc = ETC_FILES.map((name) => ({ source: join(etcDir, name), target: `/etc/${name}`, hostTarget: stubs.ensure(`/etc/${name}`, 'file') }));
  const mounts: PreparedMount[] = [];
  const ordered = [...spec.mounts].sort((a, b) => depth(a.target) - depth(b.target));
  for (const [n, m] of ordered.entries()) {
    if (m.type === 'tmpfs') {
      mounts.push({ type: 'tmpfs', target: m.target, hostTarget: stubs.ensure(m.target, 'dir'), size: m.size });
    } else if (m.type === 'bind') {
      let isDir = true;
      try {
        isDir = statSync(m.source).isDirectory();
      } catch (err) {
        throw new BuildError('E_MOUNT', `mount source ${m.source} does not exist`, { cause: err });
      }
      mounts.push({ type: 'bind', source: m.source, target: m.target, readonly: m.readonly, hostTarget: stubs.ensure(m.target, isDir ? 'dir' : 'file') });
    } else {
      const source = join(runDir, `file-${n}`);
      copyFileSync(m.source, source);
      chownSync(source, m.uid, m.gid);
      chmodSync(source, m.mode);
      mounts.push({ type: 'bind', source, target: m.target, readonly: true, hostTarget: stubs.ensure(m.target, 'file') });
    }
  }
  checkNested(mounts);
  return { etc, mounts };
}

/**
 * What stays in a RUN layer of a rootfs that lacks the runtime's mount points (`FROM scratch`):
 * - /proc, /dev, /sys: runc makes the mount point of each default mount (libcontainer
 *   rootfs_linux.go `mountToRootfs` / `createOpenMountpoint`: MkdirAllInRoot 0755) and nothing
 *   removes them — BuildKit's executor/stubs.go `MountStubsCleaner` only covers /etc/resolv.conf,
 *   /etc/hosts and the step's own mount targets. They stay, as empty 0755 root dirs. (/dev/pts,
 *   /dev/shm, /dev/mqueue and /sys/fs/cgroup are made inside the /dev tmpfs and sysfs, never in the
 *   rootfs; BuildKit drops the default /run mount, oci/spec_linux.go `withRemovedMount("/run")`.)
 * - /etc/resolv.conf, /etc/hosts and `--mount` targets are MountStubs: an
 *   empty file/dir that did not exist before is removed after the run, and so is each missing
 *   parent made for it that is empty by then (`RemoveMountStubsRecursive`, which the Dockerfile
 *   frontend sets: client/llb/exec.go), so `FROM scratch` + RUN leaves no /etc. docker 20.10's
 *   BuildKit v0.8 removed only the files and left /etc (see fixtures/differential/scratch-run).
 * - the working directory: made by BuildKit's runc executor and kept (see ensureWorkdir).
 */
function ensureRuntimeMountpoints(root: string): void {
  for (const p of ['/proc', '/dev', '/sys']) mkdirAll755(root, p, { uid: 0, gid: 0 });
}

/**
 * A working directory that does not exist (the image's WorkingDir, or one a step removed) is made
 * by BuildKit's runc executor before the run — each missing component 0755 and owned by the step's
 * user (executor/runcexecutor/executor.go Run: `MkdirAllAndChown(newp, 0o755, rootUID, rootGID)`
 * with rootUID/rootGID = the process uid/gid; v0.8 alike) — and stays in the layer.
 */
function ensureWorkdir(root: string, cwd: string, user: { uid: number; gid: number }): void {
  mkdirAll755(root, cwd, user);
}

/**
 * A target below another bind mount's target (`--mount=…,target=/x` and `--mount=…,target=/x/h`)
 * is mounted after /x is, so the kernel resolves `h` inside /x's SOURCE at mount time — a stage or
 * context we do not trust. A symlink on that way would be followed (to the host's paths, in the
 * step's private mount namespace): refused, E_MOUNT. Missing components fail the mount as before.
 */
function checkNested(mounts: PreparedMount[]): void {
  for (const [i, m] of mounts.entries()) {
    let parent: Extract<PreparedMount, { type: 'bind' }> | undefined;
    for (const p of mounts.slice(0, i)) {
      if (p.type === 'bind' && m.hostTarget.startsWith(`${p.hostTarget}/`) && (!parent || p.hostTarget.length > parent.hostTarget.length)) parent = p;
    }
    if (!parent) continue;
    let cur = parent.source;
    for (const c of m.hostTarget.slice(parent.hostTarget.length + 1).split('/')) {
      cur = `${cur}/${c}`;
      let st;
      try {
        st = lstatSync(cur);
      } catch {
        break;
      }
      if (st.isSymbolicLink()) throw new BuildError('E_MOUNT', `mount target ${m.target} goes through a symlink in the mount at ${parent.target}: refusing to follow it`, { data: { target: m.target } });
    }
  }
}

/** mkdir -p inside the rootfs (symlinks resolved there), each created directory 0755 owner's. */
function mkdirAll755(root: string, path: string, owner: { uid: number; gid: number }): void {
  const parts = path.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const host = resolveInRoot(root, `/${parts.slice(0, i).join('/')}`);
    try {
      lstatSync(host);
    } catch {
      mkdirSync(host, { mode: 0o755 });
      chmodSync(host, 0o755);
      if (owner.uid !== 0 || owner.gid !== 0) chownSync(host, owner.uid, owner.gid);
    }
  }
}

function depth(p: string): number {
  return p.split('/').filter(Boolean).length;
}
