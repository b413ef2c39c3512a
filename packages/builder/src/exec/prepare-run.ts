/**
 * Rootfs preparation shared by the executors: mount-target stubs for /proc /dev /sys, the /etc
 * files and the step's mounts (see stubs.ts), the working directory (created and kept, as
 * runc/BuildKit do), and private copies of secret files with their requested owner and mode.
 */
import { chmodSync, chownSync, copyFileSync, lstatSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSpec } from './types.js';
import { BuildError } from '../errors.js';
import { MountStubs } from './stubs.js';
import { resolveInRoot } from './scoped.js';
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
  for (const p of ['/proc', '/dev', '/sys']) stubs.ensure(p, 'dir');
  mkdirAll755(root, spec.cwd);
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

/** mkdir -p inside the rootfs (symlinks resolved there), each created directory 0755 root:root. */
function mkdirAll755(root: string, path: string): void {
  const parts = path.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const host = resolveInRoot(root, `/${parts.slice(0, i).join('/')}`);
    try {
      lstatSync(host);
    } catch {
      mkdirSync(host, { mode: 0o755 });
      chmodSync(host, 0o755);
    }
  }
}

function depth(p: string): number {
  return p.split('/').filter(Boolean).length;
}
