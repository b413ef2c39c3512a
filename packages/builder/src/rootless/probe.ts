/**
 * Gather what this host allows an ordinary user (types.ts `RootlessHost`): a few small /proc and
 * /etc reads, no process spawned — cheap enough for every non-root start of tsbuild.
 */
import { readFileSync, statSync } from 'node:fs';
import { release } from 'node:os';
import { findTool } from '../exec/host-tools.js';
import { inInitialUserns } from '@tsbuild/layerstore';
import { outsideId } from './idmap.js';
import { parseSubid } from './subid.js';
import type { RootlessHost } from './types.js';

export interface ProbeDeps {
  readFile(path: string): string | undefined;
  findTool(name: string): string | undefined;
  uid: number;
  gid: number;
}

const defaultDeps = (): ProbeDeps => ({
  readFile: (p) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  },
  findTool,
  uid: process.getuid?.() ?? 0,
  gid: process.getgid?.() ?? 0,
});

export function probeRootlessHost(deps: ProbeDeps = defaultDeps()): RootlessHost {
  const uidMap = deps.readFile('/proc/self/uid_map') ?? '';
  const gidMap = deps.readFile('/proc/self/gid_map') ?? '';
  // (no uid_map to read: taken as the initial namespace)
  const inUserns = uidMap !== '' && !inInitialUserns(() => uidMap);
  // inside a user namespace the host ids are what our ids map to
  const hostUid = inUserns ? outsideId(uidMap, deps.uid) ?? deps.uid : deps.uid;
  const hostGid = inUserns ? outsideId(gidMap, deps.gid) ?? deps.gid : deps.gid;
  const userName = nameOf(deps.readFile('/etc/passwd') ?? '', hostUid);
  const num = (p: string) => {
    const t = deps.readFile(p);
    const n = t === undefined ? NaN : Number(t.trim());
    return Number.isFinite(n) ? n : undefined;
  };
  return {
    hostUid,
    hostGid,
    userName,
    isRoot: !inUserns && deps.uid === 0,
    inUserns,
    uidMap: uidMap.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' ')).join('\n'),
    maxUserNamespaces: num('/proc/sys/user/max_user_namespaces'),
    unprivilegedUsernsClone: num('/proc/sys/kernel/unprivileged_userns_clone'),
    apparmorRestrictUserns: num('/proc/sys/kernel/apparmor_restrict_unprivileged_userns'),
    subuids: parseSubid(deps.readFile('/etc/subuid') ?? '', userName, hostUid),
    subgids: parseSubid(deps.readFile('/etc/subgid') ?? '', userName, hostUid),
    newuidmap: deps.findTool('newuidmap'),
    newgidmap: deps.findTool('newgidmap'),
    unshare: deps.findTool('unshare'),
    kernel: release(),
  };
}

/** Whether newuidmap/newgidmap can act for an ordinary user: setuid root (Debian) or file capabilities (Fedora). */
export function isPrivilegedHelper(path: string, readXattr?: (p: string) => boolean): boolean {
  try {
    const st = statSync(path);
    // (owner not checked: inside a user namespace the host's root shows as the overflow uid)
    return (st.mode & 0o4000) !== 0 || Boolean(readXattr?.(path));
  } catch {
    return false;
  }
}

function nameOf(passwd: string, uid: number): string | undefined {
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && Number(f[2]) === uid && f[2] !== '') return f[0];
  }
  return undefined;
}
