/** The `tsbuild` command as users run it: the launcher (bin/tsbuild, which starts from the CLI's startup snapshot). */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { statSync } from 'node:fs';
import { REPO_ROOT } from './busybox.js';

/** The installed bin, as npm links it (a symlink to the launcher). */
export const TSBUILD_BIN = join(REPO_ROOT, 'node_modules/.bin/tsbuild');

export interface CliRun { code: number | null; stdout: string; stderr: string }

/** Run `tsbuild ARGS` to completion (stdin from `input`, extra env over this process's). */
export function runTsbuild(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): CliRun {
  const r = spawnSync(TSBUILD_BIN, args, { encoding: 'utf8', input: opts.input, env: { ...process.env, ...opts.env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The first directory above the installed bin that other users cannot pass through (no o+x), if
 * any: tests that run the bin as an unprivileged user skip, saying so, when the checkout lives there.
 */
export function closedToOthers(): string | undefined {
  for (let d = dirname(TSBUILD_BIN); ; d = dirname(d)) {
    try {
      if ((statSync(d).mode & 0o001) === 0) return d;
    } catch {
      return d;
    }
    if (d === '/') return undefined;
  }
}
