/**
 * Absolute paths of the host binaries the executors and snapshotters spawn.
 * Resolved once per process from a fixed search path (never the caller's PATH), so a step's
 * environment can never redirect which host tool runs with root privileges.
 */
import { accessSync, constants } from 'node:fs';

export interface HostTools {
  sh: string;
  mount: string;
  umount: string;
  unshare: string;
  setpriv?: string;
  env: string;
  cp: string;
  ip?: string;
  perl?: string;
  getfattr?: string;
  runc?: string;
  crun?: string;
}

const SEARCH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** First executable named `name` on the fixed search path, or undefined. */
export function findTool(name: string): string | undefined {
  for (const dir of SEARCH) {
    const p = `${dir}/${name}`;
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

let cached: HostTools | undefined;

/** The host tools; required ones fall back to their bare name (the spawn then fails with a clear ENOENT). */
export function hostTools(): HostTools {
  if (cached) return cached;
  const req = (n: string) => findTool(n) ?? n;
  cached = {
    sh: findTool('sh') ?? '/bin/sh',
    mount: req('mount'),
    umount: req('umount'),
    unshare: req('unshare'),
    setpriv: findTool('setpriv'),
    env: req('env'),
    cp: req('cp'),
    ip: findTool('ip'),
    perl: findTool('perl'),
    getfattr: findTool('getfattr'),
    runc: findTool('runc'),
    crun: findTool('crun'),
  };
  return cached;
}
