/**
 * What a host allows an ordinary user, and how tsbuild enters a user namespace to build as one.
 */
import type { IdRange } from './subid.js';

export type { IdRange };

/** Facts about this process and host; gathered by probe.ts, judged by plan.ts. */
export interface RootlessHost {
  /** real uid/gid on the host (from /proc/self/uid_map when already inside a user namespace) */
  hostUid: number;
  hostGid: number;
  userName?: string;
  /** euid 0 in the initial user namespace: no user namespace needed */
  isRoot: boolean;
  /** this process already runs in a user namespace that is not the initial one */
  inUserns: boolean;
  /** the uid_map of this process as the kernel shows it (one "inside outside count" per line) */
  uidMap: string;
  /** /proc/sys/user/max_user_namespaces (undefined: not readable) */
  maxUserNamespaces?: number;
  /** Debian/Ubuntu's kernel.unprivileged_userns_clone (undefined: the kernel has no such knob) */
  unprivilegedUsernsClone?: number;
  /** Ubuntu's kernel.apparmor_restrict_unprivileged_userns (undefined: absent) */
  apparmorRestrictUserns?: number;
  subuids: IdRange[];
  subgids: IdRange[];
  /** paths of the setuid helpers, when installed */
  newuidmap?: string;
  newgidmap?: string;
  unshare?: string;
  kernel: string;
}

/** How the build process enters its user namespace. */
export type UsernsMapping =
  /** uid/gid 0 → the user, 1..count → the first subuid/subgid range: every image owner representable */
  | { kind: 'full'; uids: IdRange; gids: IdRange }
  /** only 0 → the user: files of other owners cannot be represented */
  | { kind: 'single' };

export interface UsernsPlan {
  mapping: UsernsMapping;
  /** the `unshare` (util-linux) that enters the namespace, as the probe found it */
  unshare: string;
  /** argv of `unshare` (before `--` and the command) */
  unshareArgs: string[];
  /** said once per build when the mapping cannot represent every owner */
  warning?: string;
}
