/**
 * What bin/tsbuild changed in the environment for Node's own start, given back before anything
 * runs: NODE_EXTRA_CA_CERTS (deferred, see net/fetch.ts) and GLIBC_TUNABLES (huge pages for
 * malloc, see the launcher). Processes tsbuild spawns see the caller's environment as it was.
 */
import { restoreDeferredCaEnv } from '../net/fetch.js';
import { UsageError } from './errors.js';

/**
 * TSBUILD_EXTRACT_WORKERS=N: worker threads for layer extraction, fixed (0 = none). Unset, the
 * store picks them from the idle CPUs, which makes the path taken depend on the machine's load —
 * this pins it (tests run each way; a user can rule the threads out).
 */
export function extractWorkersFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const v = env.TSBUILD_EXTRACT_WORKERS;
  if (v === undefined || v === '' || v === 'auto') return undefined;
  if (!/^\d{1,2}$/.test(v) || Number(v) > 16) throw new UsageError(`TSBUILD_EXTRACT_WORKERS must be a number of threads from 0 to 16 or "auto" (got ${JSON.stringify(v)})`);
  return Number(v);
}

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
