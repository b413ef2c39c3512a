/**
 * Owner for COPY/ADD --chown, with BuildKit's FileOp rules (solver/llbsolver/file readUser):
 *  - "uid" numeric only → uid:uid (the gid is the same number)
 *  - "name" → uid and primary gid from the rootfs's /etc/passwd
 *  - "x:group" → group by number, or by name from /etc/group; "x:" → gid 0 (an empty name is id 0)
 *  - a name that is not found resolves to 0 (BuildKit does not fail); it is reported in `unresolved`
 *    so the caller can warn, or fail with `strict: true` (E_USER).
 * Files are read from `rootfs` (the DESTINATION rootfs of the copy) with symlinks kept inside it.
 */
import { BuildError } from '../errors.js';
import { parseId } from './parse.js';
import { readGroup, readPasswd } from './read.js';
import type { Owner } from './types.js';

export interface ResolveChownOptions { strict?: boolean }

export async function resolveChown(rootfs: string, spec: string, opts: ResolveChownOptions = {}): Promise<Owner> {
  const colon = spec.indexOf(':');
  const userPart = colon >= 0 ? spec.slice(0, colon) : spec;
  const groupPart = colon >= 0 ? spec.slice(colon + 1) : undefined;
  const unresolved: string[] = [];
  let uid = 0;
  let gid = 0;

  if (userPart !== '') {
    const n = parseId(userPart);
    if (n !== undefined) {
      uid = n;
      gid = n;
    } else {
      const u = (await readPasswd(rootfs))?.find((e) => e.name === userPart);
      if (u) { uid = u.uid; gid = u.gid; } else unresolved.push(`user ${userPart}`);
    }
  }
  // "user:" — an empty group is BuildKit's UserOpt{Name: ""}, which llb marshals as id 0: gid 0
  if (groupPart === '') gid = 0;
  if (groupPart !== undefined && groupPart !== '') {
    const n = parseId(groupPart);
    if (n !== undefined) gid = n;
    else {
      const g = (await readGroup(rootfs))?.find((e) => e.name === groupPart);
      if (g) gid = g.gid; else unresolved.push(`group ${groupPart}`);
    }
  }
  if (unresolved.length > 0 && opts.strict) {
    throw new BuildError('E_USER', `--chown=${spec}: unable to find ${unresolved.join(' and ')} in the destination's /etc/passwd or /etc/group`, { data: { chown: spec } });
  }
  return unresolved.length > 0 ? { uid, gid, unresolved } : { uid, gid };
}
