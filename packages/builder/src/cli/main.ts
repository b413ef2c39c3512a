/**
 * CLI entry: parse the sub-command, dispatch to cli/commands/<name>.ts (loaded lazily so a
 * warm `tsbuild build` does not pay for code it does not run), and map errors to exit codes
 * in one place: 0 success, 1 failed build/operation, 2 usage error.
 */
import { renderError, UsageError } from './errors.js';
import { restoreLauncherEnv } from './env.js';
import { guardPending, noteActivity } from './pending.js';

export type CommandFn = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<{ run: CommandFn }>> = {
  build: () => import('./commands/build.js'),
};

export const HELP = `Usage: tsbuild [build] [OPTIONS] CONTEXT
       tsbuild COMMAND [OPTIONS]

A daemonless container image builder with Dockerfile semantics.

Commands:
  build      Build an image from a Dockerfile (the default command)
  import     Import a rootfs tarball as an image
  save       Save images to a docker-archive or OCI archive
  load       Load images from a docker-archive or OCI archive
  images     List images
  inspect    Show an image's details as JSON
  rmi        Remove image tags
  prune      Remove unreferenced blobs, snapshots (and cache with --all)
  fsck       Verify the store
  bench      Benchmark cold/warm/incremental builds

Run 'tsbuild COMMAND --help' for a command's options.
Global option: --root DIR   store root (default $TSBUILD_ROOT, /var/lib/tsbuild as root)
`;

export function registerCommand(name: string, load: () => Promise<{ run: CommandFn }>): void {
  COMMANDS[name] = load;
}

export interface MainOptions {
  /** started from the V8 startup snapshot (bin/tsbuild); `--version` says so */
  snapshot?: boolean;
}

export async function main(argv: string[], opts: MainOptions = {}): Promise<number> {
  restoreLauncherEnv(); // what bin/tsbuild changed for Node's start (see cli/env.ts)
  // exit 0 only once the command's promise resolved: see pending.ts
  return guardPending(dispatch(argv, opts), argv[0] ?? '');
}

async function dispatch(argv: string[], opts: MainOptions): Promise<number> {
  try {
    // fault injection for the guard's own test (test/build/exit-guard.test.ts): a command whose
    // promise never settles, exactly the failure the guard exists for
    if (process.env.TSBUILD_TEST_FAULT === 'never-settle') {
      noteActivity('TSBUILD_TEST_FAULT=never-settle');
      return await new Promise<number>(() => {});
    }
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      process.stdout.write(HELP);
      return argv.length === 0 ? 2 : 0;
    }
    if (argv[0] === '--version' || argv[0] === '-v') {
      process.stdout.write(`tsbuild 0.1.0 (node ${process.version}${opts.snapshot ? ', startup snapshot' : ''})\n`);
      return 0;
    }
    const name = argv[0]!;
    const load = COMMANDS[name] ?? (await loadExtra(name));
    if (load) return await (await load()).run(argv.slice(1));
    return await (await COMMANDS.build!()).run(argv);
  } catch (err) {
    return renderError(err);
  }
}

/** Sub-commands implemented in their own modules (store commands etc.). */
async function loadExtra(name: string): Promise<(() => Promise<{ run: CommandFn }>) | undefined> {
  const known = ['import', 'save', 'load', 'images', 'inspect', 'rmi', 'prune', 'fsck', 'bench', 'tag'];
  if (!known.includes(name)) return undefined;
  return () => import(`./commands/${name}.js`) as Promise<{ run: CommandFn }>;
}

export { UsageError };
export { exitWhenFlushed } from './exit.js';
