/**
 * Absolute paths of the host binaries the executors and snapshotters spawn.
 * Resolved once per process from a fixed search path (never the caller's PATH), so a step's
 * environment can never redirect which host tool runs with root privileges.
 */
import { findTool, perlPath } from '@tsbuild/sys';

export interface HostTools {
  sh: string;
  mount: string;
  umount: string;
  unshare: string;
  setpriv?: string;
  env: string;
  cp: string;
  mknod: string;
  ip?: string;
  perl?: string;
  runc?: string;
  crun?: string;
  /** util-linux prlimit: --ulimit for the unshare executor */
  prlimit?: string;
}

/** the one fixed-search-path lookup (@tsbuild/sys owns it: its perl server finds perl the same way) */
export { findTool };

let cached: HostTools | undefined;

/**
 * The host tools, each looked up on first use and then remembered (a warm build that needs only
 * perl does not probe for the others); required ones fall back to their bare name (the spawn
 * then fails with a clear ENOENT).
 */
export function hostTools(): HostTools {
  if (cached) return cached;
  const tools = {} as HostTools;
  // after the first read (or a write) a tool is a plain, writable property again
  const settle = (name: keyof HostTools, value: string | undefined) => Object.defineProperty(tools, name, { value, writable: true, enumerable: true, configurable: true });
  const lazy = (name: keyof HostTools, find: () => string | undefined): void => {
    Object.defineProperty(tools, name, {
      enumerable: true,
      configurable: true,
      get() {
        const v = find();
        settle(name, v);
        return v;
      },
      set(v: string | undefined) {
        settle(name, v);
      },
    });
  };
  const req = (n: string) => () => findTool(n) ?? n;
  const opt = (n: string) => () => findTool(n);
  lazy('sh', () => findTool('sh') ?? '/bin/sh');
  lazy('mount', req('mount'));
  lazy('umount', req('umount'));
  lazy('unshare', req('unshare'));
  lazy('setpriv', opt('setpriv'));
  lazy('env', req('env'));
  lazy('cp', req('cp'));
  lazy('mknod', req('mknod'));
  lazy('ip', opt('ip'));
  lazy('perl', perlPath);
  lazy('runc', opt('runc'));
  lazy('crun', opt('crun'));
  lazy('prlimit', opt('prlimit'));
  return (cached = tools);
}
