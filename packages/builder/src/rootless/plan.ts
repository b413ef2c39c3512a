/**
 * Decide how a non-root tsbuild enters its user namespace (pure: facts in, plan or typed error out).
 *
 *   full:   uid/gid 0 → the user, 1..N → the user's first /etc/subuid and /etc/subgid ranges, written
 *           by the setuid newuidmap/newgidmap (util-linux `unshare --map-users/--map-groups` runs them).
 *           Every owner an image uses up to N (65536: `nobody` 65534 too) is a real id inside.
 *   single: only 0 → the user (`unshare --map-root-user`, no helper, no subuid range). Files owned by
 *           any other uid or gid cannot exist inside; see docs/rootless.md for what happens then.
 */
import { BuildError } from '../errors.js';
import { coversImageIds } from './idmap.js';
import type { RootlessHost, UsernsPlan } from './types.js';

export type MappingRequest = 'auto' | 'full' | 'single';

export function planUserns(host: RootlessHost, request: MappingRequest = 'auto'): UsernsPlan {
  const missing = usernsBlocker(host);
  if (missing) throw new BuildError('E_ROOTLESS', `cannot build as an ordinary user (uid ${host.hostUid}): ${missing}`, { data: { missing } });
  const unshare = host.unshare!; // usernsBlocker said it is there: the re-exec uses this very path
  const common = ['--user', '--map-root-user', '--mount', '--propagation', 'private'];
  const fullMissing = fullMappingBlocker(host);
  if (request === 'full' && fullMissing) throw new BuildError('E_ROOTLESS', `the full uid mapping was asked for, but ${fullMissing}`, { data: { missing: fullMissing } });
  if (request === 'single' || fullMissing) {
    return {
      mapping: { kind: 'single' },
      unshare,
      unshareArgs: common,
      warning: `rootless with a single mapped uid (${request === 'single' ? 'asked for' : fullMissing}): files owned by users other than root cannot be represented; a step that chowns to another uid fails, and base-image files of other owners become root's (docs/rootless.md)`,
    };
  }
  const u = host.subuids[0]!;
  const g = host.subgids[0]!;
  // the whole first range: a bigger one (podman's guides suggest them) covers bigger image ids too
  const uids = { start: u.start, count: u.count };
  const gids = { start: g.start, count: g.count };
  const small = !coversImageIds(Math.min(uids.count, gids.count));
  return {
    mapping: { kind: 'full', uids, gids },
    unshare,
    unshareArgs: [...common, `--map-users=${uids.start},1,${uids.count}`, `--map-groups=${gids.start},1,${gids.count}`],
    warning: small ? `the subordinate id range of ${host.userName ?? host.hostUid} covers ids 1..${Math.min(uids.count, gids.count)} only: files owned by higher ids (nobody is 65534) cannot be represented` : undefined,
  };
}

/** Why no user namespace can be made here at all (undefined: it can, as far as the knobs tell). */
export function usernsBlocker(host: RootlessHost): string | undefined {
  if (!host.unshare) return 'unshare (util-linux) is not installed';
  if (host.maxUserNamespaces === 0) return 'user namespaces are disabled (/proc/sys/user/max_user_namespaces is 0; sysctl user.max_user_namespaces=15000 enables them)';
  if (host.unprivilegedUsernsClone === 0) return 'unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone=0; sysctl kernel.unprivileged_userns_clone=1 enables them)';
  return undefined;
}

/** Why the full mapping is not possible (undefined: it is). */
export function fullMappingBlocker(host: RootlessHost): string | undefined {
  const who = host.userName ?? String(host.hostUid);
  if (host.subuids.length === 0) return `no subordinate uid range for ${who} in /etc/subuid`;
  if (host.subgids.length === 0) return `no subordinate gid range for ${who} in /etc/subgid`;
  if (!host.newuidmap || !host.newgidmap) return 'newuidmap/newgidmap are not installed (Debian: apt-get install uidmap)';
  return undefined;
}
