/**
 * Where copies of secrets (and RUN heredoc/file mounts, which a secret's owner/mode copy shares)
 * are kept while a step runs: a tmpfs, never the disk — /dev/shm, else /run, when statfs says it
 * is a tmpfs; only a host with neither falls back to the store's scratch dir.
 * TSBUILD_SECRETS_DIR=DIR pins the choice (tests take each branch with it; a host whose tmpfs is
 * elsewhere names it).
 * Each dir is named `tsbuild-<pid>-<start time>-<pid namespace>-XXXXXX`, so the copies of a build
 * killed with SIGKILL are recognised (owner gone, or pid reused: another start time; only within
 * our own pid namespace) and removed by the next run and by `prune` (snapshot/reap.ts).
 */
import { mkdtempSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { deadOwned, ownerTag } from '@tsbuild/layerstore';

const TMPFS_MAGIC = 0x01021994;
const CANDIDATES = ['/dev/shm', '/run'];
const NAME = /^tsbuild-(\d+)-(\d+)-(\d+)-/;

let base: string | null | undefined;

/** the tmpfs dir secrets go under (null: none), looked up once per process */
export function secretBase(env: NodeJS.ProcessEnv = process.env): string | null {
  if (base !== undefined) return base;
  base = null;
  if (env.TSBUILD_SECRETS_DIR) return (base = env.TSBUILD_SECRETS_DIR);
  for (const c of CANDIDATES) {
    try {
      if (statfsSync(c).type === TMPFS_MAGIC) {
        base = c;
        break;
      }
    } catch {
      /* not there */
    }
  }
  return base;
}

/** A fresh 0700 dir for one step's secret copies, on tmpfs (`fallback` only without one). */
export function makeSecretDir(fallback: string): string {
  return mkdtempSync(join(secretBase() ?? fallback, `tsbuild-${ownerTag()}-`));
}

/** Secret dirs left by processes that are gone. */
export function deadSecretDirs(): string[] {
  const b = secretBase();
  return b ? deadOwned(b, NAME) : [];
}
