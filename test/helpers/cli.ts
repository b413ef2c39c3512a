/** The `tsbuild` command as users run it: the launcher (bin/tsbuild, which starts from the CLI's startup snapshot). */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './busybox.js';

/** The installed bin, as npm links it (a symlink to the launcher). */
export const TSBUILD_BIN = join(REPO_ROOT, 'node_modules/.bin/tsbuild');

export interface CliRun { code: number | null; stdout: string; stderr: string }

/** Run `tsbuild ARGS` to completion (stdin from `input`, extra env over this process's). */
export function runTsbuild(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): CliRun {
  const r = spawnSync(TSBUILD_BIN, args, { encoding: 'utf8', input: opts.input, env: { ...process.env, ...opts.env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
