/**
 * What bin/tsbuild changed in the environment for Node's own start, given back before anything
 * runs: NODE_EXTRA_CA_CERTS (deferred, see net/fetch.ts) and GLIBC_TUNABLES (huge pages for
 * malloc, see the launcher). Processes tsbuild spawns see the caller's environment as it was.
 */
import { restoreDeferredCaEnv } from '../net/fetch.js';

const ORIG_TUNABLES = 'TSBUILD_ORIG_GLIBC_TUNABLES';

export function restoreLauncherEnv(env: NodeJS.ProcessEnv = process.env): void {
  restoreDeferredCaEnv(env);
  const orig = env[ORIG_TUNABLES];
  if (orig === undefined) return;
  delete env[ORIG_TUNABLES];
  // "-": there was none; "+value": there was one
  if (orig.startsWith('+')) env.GLIBC_TUNABLES = orig.slice(1);
  else delete env.GLIBC_TUNABLES;
}
