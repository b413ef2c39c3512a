/**
 * The warning of a build that runs in a user namespace it did not make itself (an unprivileged CI
 * container: `unshare --user --map-root-user`, or a pod's user namespace) whose map lacks most ids.
 * tsbuild's own re-exec (reexec.ts) warns before it starts instead, with the reason it knows.
 */
import { readFileSync } from 'node:fs';
import { USERNS_ENV } from './env.js';
import { coversImageIds, mappedCount } from './idmap.js';

export function partialMapWarning(env: NodeJS.ProcessEnv = process.env, read: (p: string) => string = (p) => readFileSync(p, 'utf8')): string | undefined {
  if (env[USERNS_ENV]) return undefined;
  let map: string;
  try {
    map = read('/proc/self/uid_map');
  } catch {
    return undefined;
  }
  const count = mappedCount(map);
  if (coversImageIds(count)) return undefined;
  return `this user namespace maps ${count} uid${count === 1 ? '' : 's'} only (/proc/self/uid_map): files owned by unmapped users cannot be represented; a step that chowns to one fails, and base-image files of such owners become root's (docs/rootless.md)`;
}
