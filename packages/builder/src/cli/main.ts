/**
 * CLI entry: global options, the sub-command, dispatch to cli/commands/<name>.ts (loaded lazily so
 * a warm `tsbuild build` does not pay for code it does not run), and errors mapped to exit codes
 * in one place: 0 success, 1 failed build/operation, 2 usage error.
 *
 * Grammar: `tsbuild [GLOBAL…] [COMMAND] [OPTIONS…] [ARGS…]`; global options (--root, --debug) may
 * also follow the command. Without a command the arguments are `build`'s (`tsbuild -t app .`),
 * as long as the first word is not a command's misspelling: a word that names neither a command
 * nor an existing build context is an unknown command, with a "did you mean".
 */
import { existsSync } from 'node:fs';
import { suggest } from '@tsbuild/parser';
import { renderError, UsageError } from './errors.js';
import { restoreLauncherEnv } from './env.js';
import { partialMapWarning } from '../rootless/warn.js';
import { guardPending, noteActivity, noteCommand } from './pending.js';

export type CommandFn = (argv: string[]) => Promise<number>;

/** Every sub-command, in the order `--help` lists them (each is cli/commands/<name>.ts). */
export const COMMAND_SUMMARIES: [name: string, summary: string][] = [
  ['build', 'Build an image from a Dockerfile (the default command)'],
  ['check', 'Check a Dockerfile against the lint rules, without building'],
  ['import', 'Import a rootfs tarball as an image'],
  ['save', 'Save images to a docker-archive or OCI archive'],
  ['load', 'Load images from a docker-archive or OCI archive'],
  ['images', 'List images'],
  ['inspect', "Show an image's details as JSON"],
  ['tag', 'Give an image another name'],
  ['rmi', 'Remove image tags'],
  ['prune', 'Remove unreferenced blobs, snapshots (and cache with --all)'],
  ['fsck', 'Verify the store'],
  ['bench', 'Benchmark cold/warm/incremental builds'],
  ['pull', 'Download an image from a registry'],
  ['push', 'Upload an image to a registry'],
  ['login', "Save registry credentials (docker's config.json)"],
  ['logout', 'Remove saved registry credentials'],
  ['setup-emulation', 'Register QEMU handlers so RUN works for foreign platforms (root)'],
  ['info', 'Show the version, store, executor and snapshotter this machine gets'],
  ['doctor', "Same as info: what this host allows, and why a build would take a slower path"],
  ['completion', 'Print a shell completion script (bash or zsh)'],
];

const COMMANDS: Record<string, () => Promise<{ run: CommandFn }>> = {
  build: () => import('./commands/build.js'),
};

export function HELP_TEXT(): string {
  const width = Math.max(...commandNames().map((n) => n.length)) + 2;
  const summaries = new Map(COMMAND_SUMMARIES);
  return `Usage: tsbuild [build] [OPTIONS] CONTEXT
       tsbuild COMMAND [OPTIONS]

A daemonless container image builder with Dockerfile semantics.

Commands:
${commandNames().map((n) => `  ${n.padEnd(width)} ${summaries.get(n) ?? ''}`).join('\n')}

Run 'tsbuild COMMAND --help' for a command's options.
Global options (before or after the command):
      --root DIR   store root (default $TSBUILD_ROOT, /var/lib/tsbuild as root)
  -D, --debug      show details (executor, snapshotter) and stack traces of internal errors
  -v, --version    print the version
`;
}

export function registerCommand(name: string, load: () => Promise<{ run: CommandFn }>, summary?: string): void {
  COMMANDS[name] = load;
  if (!COMMAND_SUMMARIES.some(([n]) => n === name)) COMMAND_SUMMARIES.push([name, summary ?? '']);
}

export function commandNames(): string[] {
  return [...new Set([...COMMAND_SUMMARIES.map(([n]) => n), ...Object.keys(COMMANDS)])];
}

export interface MainOptions {
  /** started from the V8 startup snapshot (bin/tsbuild); `--version` says so */
  snapshot?: boolean;
}

export const VERSION = '0.1.0';

export function versionText(opts: MainOptions): string {
  return `tsbuild ${VERSION} (node ${process.version}${opts.snapshot ? ', startup snapshot' : ''})\n`;
}

/** What the command line says before the command's own options are parsed. */
export interface Invocation {
  command: string;
  /** the command's arguments, global options given before the command moved in (`--root R`) */
  args: string[];
  debug: boolean;
  help: boolean;
  version: boolean;
  /** the command was implied (`tsbuild -t app .` is `tsbuild build -t app .`) */
  implicit: boolean;
}

export function parseInvocation(argv: string[], exists: (p: string) => boolean = existsSync): Invocation {
  const front: string[] = [];
  let debug = false;
  let help = false;
  let version = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--debug' || a === '-D') debug = true;
    else if (a === '--help' || a === '-h') help = true;
    else if (a === '--version' || a === '-v') version = true;
    else if (a === '--root') {
      if (i + 1 >= argv.length) throw new UsageError('flag needs an argument: --root');
      front.push(a, argv[++i]!);
    } else if (a.startsWith('--root=')) front.push(a);
    else break;
  }
  let command = 'build';
  let implicit = true;
  let rest = argv.slice(i);
  const first = rest[0];
  if (first === 'help') {
    // `tsbuild help [COMMAND]`
    help = true;
    rest = rest.slice(1);
    if (rest[0] && commandNames().includes(rest[0])) { command = rest[0]; implicit = false; rest = rest.slice(1); }
  } else if (first !== undefined && commandNames().includes(first)) {
    command = first;
    implicit = false;
    rest = rest.slice(1);
  } else if (first !== undefined && !first.startsWith('-') && !isContextLike(first, exists)) {
    const near = suggest(first, commandNames());
    throw new UsageError(`unknown command "${first}"${near ? ` (did you mean "${near}"?)` : ''}; it is not a build context either (no such directory)`);
  }
  // --debug may follow the command too (not after `--`)
  const out: string[] = [];
  for (let j = 0; j < rest.length; j++) {
    const a = rest[j]!;
    if (a === '--') { out.push(...rest.slice(j)); break; }
    if (a === '--debug' || a === '-D') debug = true;
    else out.push(a);
  }
  return { command, args: [...front, ...out], debug, help, version, implicit };
}

/** A build context named on the command line: a directory or file, `-` (stdin), or a URL. */
function isContextLike(word: string, exists: (p: string) => boolean): boolean {
  return word === '-' || /^[a-z][a-z0-9+.-]*:\/\//i.test(word) || word.startsWith('git@') || exists(word);
}

export async function main(argv: string[], opts: MainOptions = {}): Promise<number> {
  restoreLauncherEnv(); // what bin/tsbuild changed for Node's start (see cli/env.ts)
  // exit 0 only once the command's promise resolved: see pending.ts
  return guardPending(dispatch(argv, opts), argv.find((a) => !a.startsWith('-')) ?? '');
}

/** The command line → the command's run(), its errors → an exit code. */
async function dispatch(argv: string[], opts: MainOptions): Promise<number> {
  let debug = argv.includes('--debug') || argv.includes('-D');
  let command: string | undefined;
  try {
    const inv = parseInvocation(argv);
    debug = inv.debug;
    noteCommand(inv.command);
    // fault injection for the guard's own test (test/build/exit-guard.test.ts): a command whose
    // promise never settles, exactly the failure the guard exists for
    if (process.env.TSBUILD_TEST_FAULT === 'never-settle') {
      noteActivity('TSBUILD_TEST_FAULT=never-settle');
      return await new Promise<number>(() => {});
    }
    if (!inv.implicit) command = inv.command;
    if (inv.version && inv.implicit && inv.args.every((a) => a.startsWith('--root'))) {
      process.stdout.write(versionText(opts));
      return 0;
    }
    if (argv.length === 0 || (inv.help && inv.implicit)) {
      process.stdout.write(HELP_TEXT());
      return argv.length === 0 ? 2 : 0;
    }
    const load = COMMANDS[inv.command] ?? loadExtra(inv.command);
    if (!load) throw new UsageError(`unknown command "${inv.command}"`);
    const args = [...(inv.help ? ['--help'] : []), ...inv.args, ...(debug ? ['--debug'] : [])];
    // not root: the command runs again inside a user namespace where it is (rootless/reexec.ts)
    if (!inv.help && process.getuid?.() !== 0 && !NO_USERNS.has(inv.command)) {
      const { runRootless } = await import('../rootless/enter.js');
      const code = await runRootless(inv.command, argv, opts);
      if (code !== undefined) return code;
    } else if (inv.command === 'build' && !inv.help) {
      const warning = partialMapWarning();
      if (warning) process.stderr.write(`warning: ${warning}\n`);
    }
    return await (await load()).run(args);
  } catch (err) {
    return renderError(err, process.stderr, { debug, command });
  }
}

/** Commands that never touch the store's snapshots: they run as the user, without a user namespace. */
const NO_USERNS = new Set(['check', 'completion']);

/** Sub-commands implemented in their own modules (store commands etc.). */
function loadExtra(name: string): (() => Promise<{ run: CommandFn }>) | undefined {
  if (!commandNames().includes(name)) return undefined;
  return () => import(`./commands/${name}.js`) as Promise<{ run: CommandFn }>;
}

export { UsageError };
export { exitWhenFlushed } from './exit.js';
