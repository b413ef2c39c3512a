/**
 * SIGINT/SIGTERM for the store commands (save, load, import, push, pull, prune), ending them as a
 * cancelled build ends (commands/build.ts): the first signal aborts the command's AbortSignal, the
 * library stops its streams and removes what it half wrote, and the command exits 130 with its
 * E_CANCELLED error; a second signal, or cleanup taking over CANCEL_GRACE_MS, exits 130 at once
 * (what is left then is this dead process's and the next run's reaper removes it: snapshot/reap.ts).
 */
import { TsbuildError } from '@tsbuild/errors';
import { renderError } from './errors.js';

/** exit status of a cancelled command: 128 + SIGINT, as a cancelled build */
export const EXIT_CANCELLED = 130;
/** how long a cancelled command may take to clean up before the process exits anyway */
export const CANCEL_GRACE_MS = 10_000;

export interface CancelOptions {
  /** the command's name, in the messages */
  command: string;
  /** --debug: stacks with the error */
  debug?: boolean;
  /**
   * stdout carries the command's data (`save -o -`): a cancelled run exits without flushing what
   * is still queued for it, so the process does not wait on a reader that stopped reading
   */
  stdoutData?: boolean;
}

/** Run `fn` with an AbortSignal that SIGINT/SIGTERM abort; a cancelled run is E_CANCELLED, exit 130. */
export async function withCancel(opts: CancelOptions, fn: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const ac = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (++signals > 1) process.exit(EXIT_CANCELLED);
    process.stderr.write(`tsbuild: cancelling ${opts.command}…\n`);
    ac.abort(new Error(sig === 'SIGINT' ? 'interrupted' : 'terminated'));
    setTimeout(() => {
      process.stderr.write(`tsbuild: cancellation did not finish within ${CANCEL_GRACE_MS / 1000} s; exiting (the next run on the store removes what is left)\n`);
      process.exit(EXIT_CANCELLED);
    }, CANCEL_GRACE_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(ac.signal);
  } catch (err) {
    if (!ac.signal.aborted) throw err;
    // whatever the abort surfaced as (a destroyed stream, an aborted request): the command was cancelled
    const e = err instanceof TsbuildError && err.code === 'E_CANCELLED'
      ? err
      : new TsbuildError('E_CANCELLED', `${opts.command} cancelled: ${(ac.signal.reason as Error).message}`, { cause: ac.signal.reason });
    renderError(e, process.stderr, { debug: opts.debug, command: opts.command });
    // what is still queued for stdout is a cut archive nobody may be reading: exit without
    // waiting for it to flush (exit.ts would; the pipe is non-blocking, so exit() does not block)
    if (opts.stdoutData) process.exit(EXIT_CANCELLED);
    return EXIT_CANCELLED;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
