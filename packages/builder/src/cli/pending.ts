/**
 * "Exit 0 means the work is done", enforced where the process ends.
 *
 * Node exits — with code 0 — as soon as its event loop has nothing left to wait for, whether or
 * not the command's promise has settled. A promise that can never settle (a stream nobody reads,
 * a worker that never answers) therefore used to look like success: `-o type=tar` wrote nothing
 * and exited 0 (issue 18). The guard watches the command's promise; if Node is about to exit on an
 * empty event loop while it is still pending, that is an internal error: it says what was pending
 * (the command and the last activity noted) and exits non-zero.
 *
 * 'beforeExit' is emitted exactly in that case (never after process.exit(), which is how a settled
 * command ends: see exit.ts), so the guard costs nothing on the normal path.
 */

/** exit status of a command that was abandoned with its work pending (BSD EX_SOFTWARE) */
export const EXIT_PENDING = 70;

export interface GuardOptions {
  /** where the report goes (default process.stderr) */
  stderr?: NodeJS.WritableStream;
  /** ends the process (default process.exit) */
  exit?: (code: number) => void;
}

/** What the running command is doing, for the report. One per process: the CLI runs one command. */
let activity: string | undefined;

/** The command's name once the command line is parsed (before that, the guard's first guess). */
let commandName: string | undefined;
export function noteCommand(name: string): void {
  commandName = name;
}

/** Note the phase the command is in ("step 3/5 RUN make", "unpacking 4 layers"). Cheap: a string store. */
export function noteActivity(what: string): void {
  activity = what;
}

/**
 * Resolve with `work`'s result; if the event loop empties while `work` is pending, report it as an
 * internal error [E_PENDING] and end the process with EXIT_PENDING.
 */
export function guardPending(work: Promise<number>, command: string, opts: GuardOptions = {}): Promise<number> {
  const onBeforeExit = (): void => {
    process.off('beforeExit', onBeforeExit);
    const doing = activity ? ` (last activity: ${activity})` : '';
    (opts.stderr ?? process.stderr).write(
      `tsbuild: internal error: \`tsbuild ${commandName ?? command}\` was still pending${doing} when nothing was left to wait for — a promise that never settles; the work is NOT complete [E_PENDING]\n`,
    );
    process.exitCode = EXIT_PENDING;
    (opts.exit ?? process.exit)(EXIT_PENDING);
  };
  process.on('beforeExit', onBeforeExit);
  return work.finally(() => process.off('beforeExit', onBeforeExit));
}
