/**
 * runc (and so BuildKit) sets HOME when the step's environment has none: the user's home from
 * the rootfs's /etc/passwd, "/" when the uid has no entry. The unshare executor does the same.
 */
import { readUserFile } from '../users/read.js';

export function withHome(env: string[], rootfs: string, uid: number): string[] {
  if (env.some((e) => e.startsWith('HOME='))) return env;
  return [...env, `HOME=${homeOf(rootfs, uid)}`];
}

function homeOf(rootfs: string, uid: number): string {
  let passwd: string | undefined;
  try {
    passwd = readUserFile(rootfs, '/etc/passwd');
  } catch {
    return '/';
  }
  if (passwd === undefined) return '/';
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length >= 7 && Number(f[2]) === uid && f[2] !== '') return f[5] || '/';
  }
  return '/';
}
