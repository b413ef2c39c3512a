/**
 * USER resolution for RUN, with the rules BuildKit's executor applies (runc's GetExecUser +
 * containerd's additional-gids fix, CVE-2023-25173):
 *  - "uid:gid" with both numeric: taken as is, no file read; additionalGids = [gid]
 *  - "" means uid 0 (looked up like "0")
 *  - user part: numeric → uid (passwd entry optional: without one gid defaults to 0);
 *    name → must exist in /etc/passwd (else E_USER)
 *  - group part: numeric → gid (entry optional); name → must exist in /etc/group (else E_USER)
 *  - without a group part: gid = the passwd entry's primary gid and the supplementary groups are every
 *    /etc/group entry listing the user's name
 *  - additionalGids always starts with the primary gid (deduplicated)
 *  - every id must be in 0-2147483647 (runc: "uids and gids must be in range 0-2147483647"), else E_USER;
 *    unchecked, 4294967295 reaches setresuid as -1 ("leave unchanged") and the step runs as root
 */
import { BuildError } from '../errors.js';
import { parseId } from './parse.js';
import { readGroup, readPasswd } from './read.js';
import type { User } from './types.js';

export async function resolveUser(rootfs: string, spec: string): Promise<User> {
  const s = spec.trim();
  const colon = s.indexOf(':');
  const userPart = colon >= 0 ? s.slice(0, colon) : s;
  const groupPart = colon >= 0 ? s.slice(colon + 1) : '';

  const numUid = parseId(userPart);
  const numGid = parseId(groupPart);
  // digits too long for a number are still ids (Go's Atoi: ErrRange), never names to look up
  if ((numUid === undefined && /^\d+$/.test(userPart)) || (numGid === undefined && /^\d+$/.test(groupPart))) throw rangeError(s);
  if (colon >= 0 && numUid !== undefined && numGid !== undefined) {
    return inRange(s, { uid: numUid, gid: numGid, additionalGids: [numGid] });
  }

  const passwd = await readPasswd(rootfs);
  const lookupUid = userPart === '' ? 0 : numUid;
  const entry = passwd?.find((u) => (lookupUid !== undefined ? u.uid === lookupUid : u.name === userPart));

  let uid: number;
  let gid = 0;
  let name: string | undefined;
  if (entry) {
    uid = entry.uid;
    gid = entry.gid;
    name = entry.name;
  } else if (lookupUid !== undefined) {
    uid = lookupUid;
  } else {
    throw new BuildError('E_USER', `unable to find user ${userPart}: no matching entries in passwd file`, { data: { user: userPart } });
  }

  const sgids: number[] = [];
  if (groupPart !== '' || name !== undefined) {
    const groups = await readGroup(rootfs);
    if (groupPart !== '') {
      const g = groups?.find((x) => (numGid !== undefined ? x.gid === numGid : x.name === groupPart));
      if (g) gid = g.gid;
      else if (numGid !== undefined) gid = numGid;
      else throw new BuildError('E_USER', `unable to find group ${groupPart}: no matching entries in group file`, { data: { group: groupPart } });
    } else if (groups) {
      for (const g of groups) if (g.members.includes(name!)) sgids.push(g.gid);
    }
  }
  const additionalGids = [gid];
  for (const g of sgids) if (!additionalGids.includes(g)) additionalGids.push(g);
  return inRange(s, { uid, gid, additionalGids });
}

/** runc's and moby/sys/user's limit: ids above MaxInt32 are refused (4294967295 would be -1, i.e. "unchanged": root) */
const MAX_ID = 2 ** 31 - 1;

function rangeError(spec: string): BuildError {
  return new BuildError('E_USER', `unable to setup user ${spec}: uids and gids must be in range 0-${MAX_ID}`, { data: { user: spec } });
}

function inRange(spec: string, u: User): User {
  if (u.uid > MAX_ID || u.gid > MAX_ID || u.additionalGids.some((g) => g > MAX_ID)) throw rangeError(spec);
  return u;
}
