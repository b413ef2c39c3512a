/**
 * A non-root `tsbuild` runs its command again inside a user namespace where it is root (what
 * `buildah unshare` and rootlesskit do): `unshare --user --map-root-user [--map-users/--map-groups]
 * --mount` execs this same Node with the same arguments. Everything after that — the store, the
 * executors, overlayfs, chown of layer files, the RUN sandbox — is the root code path; the kernel
 * maps the owners (uid 0 inside is the user on the host, uid N the user's subuid start + N - 1), so
 * the tar headers of a layer say what a root build's say.
 *
 * The parent only waits: the terminal's Ctrl-C reaches both (same process group), SIGTERM/SIGHUP
 * are passed on, and the child's exit status is ours.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultRoot } from '@tsbuild/layerstore';
import { probeRootlessHost } from './probe.js';
import { planUserns, type MappingRequest } from './plan.js';
import { MAPPING_ENV, USERNS_ENV } from './env.js';
import type { UsernsPlan } from './types.js';


export interface ReexecOptions {
  /** started from the V8 startup snapshot (argv has no script path) */
  snapshot?: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * The argv that starts this same CLI again with `args`: through the launcher (bin/tsbuild) when we
 * came from it, so the child's Node starts as ours did (startup snapshot, deferred CA bundle — else
 * Node parses NODE_EXTRA_CA_CERTS again at start —, malloc tunables); else this Node and script.
 */
export function selfArgv(args: string[], snapshot: boolean, execArgv = process.execArgv, argv = process.argv, exists = existsSync): string[] {
  const blob = execArgv[execArgv.indexOf('--snapshot-blob') + 1];
  const script = argv[1];
  const launcher = snapshot && blob ? join(dirname(blob), '../../bin/tsbuild') : script?.endsWith('/bin/tsbuild.js') ? script.slice(0, -3) : undefined;
  if (launcher && exists(launcher)) return [launcher, ...args];
  const own = execArgv.filter((a) => a !== '--');
  return snapshot ? [process.execPath, ...own, '--', ...args] : [process.execPath, ...own, script!, ...args];
}

export function mappingRequest(env: NodeJS.ProcessEnv): MappingRequest {
  const v = env[MAPPING_ENV];
  return v === 'full' || v === 'single' ? v : 'auto';
}

/** The plan for this host (throws E_ROOTLESS naming what is missing). */
export function rootlessPlan(env: NodeJS.ProcessEnv = process.env): UsernsPlan {
  return planUserns(probeRootlessHost(), mappingRequest(env));
}

/** Run `args` again in the user namespace of `plan`; resolves with the exit status. */
export function reexecInUserns(plan: UsernsPlan, args: string[], opts: ReexecOptions = {}): Promise<number> {
  const { unshare } = plan;
  const env = { ...(opts.env ?? process.env) };
  // uid 0 inside would otherwise pick root's store (/var/lib/tsbuild): the user's store is decided out here
  env.TSBUILD_ROOT ||= defaultRoot(env);
  env[USERNS_ENV] = plan.mapping.kind;
  const argv = selfArgv(args, opts.snapshot ?? false);
  return new Promise((resolve) => {
    const child = spawn(unshare, [...plan.unshareArgs, '--', ...argv], { stdio: 'inherit', env });
    const pass = (sig: NodeJS.Signals) => () => {
      try {
        child.kill(sig);
      } catch {
        // gone already
      }
    };
    // SIGINT from a terminal reaches the child itself (same process group): only stay alive for it
    const handlers: [NodeJS.Signals, () => void][] = [['SIGINT', () => undefined], ['SIGTERM', pass('SIGTERM')], ['SIGHUP', pass('SIGHUP')]];
    for (const [s, h] of handlers) process.on(s, h);
    const done = (code: number) => {
      for (const [s, h] of handlers) process.off(s, h);
      resolve(code);
    };
    child.on('error', (err) => {
      process.stderr.write(`error: cannot start ${unshare}: ${err.message}\n`);
      done(1);
    });
    child.on('exit', (code, sig) => done(code ?? 128 + (sig ? signalNumber(sig) : 0)));
  });
}

function signalNumber(sig: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[sig] ?? 0;
}
