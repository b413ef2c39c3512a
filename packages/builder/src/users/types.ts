/** Shapes of the users module: /etc/passwd + /etc/group lookups scoped to a rootfs. */
import type { User } from '../exec/types.js';

export type { User };

export interface PasswdEntry { name: string; uid: number; gid: number; home: string; shell: string }
export interface GroupEntry { name: string; gid: number; members: string[] }

/** Result of `resolveChown`: owner for COPY/ADD --chown. */
export interface Owner {
  uid: number;
  gid: number;
  /** names that were not found and, as in BuildKit, fell back to 0 (the solver may warn) */
  unresolved?: string[];
}
