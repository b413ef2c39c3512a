/**
 * How a step's process ends, the same for every executor: an abort kills it (the executor says
 * how), and once it is gone the result is E_CANCELLED after an abort, 128 + the signal's number
 * after a kill (as a shell reports it), else its exit code.
 */
import type { ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { Readable } from 'node:stream';
import { BuildError } from '../errors.js';
import type { RunResult, RunSpec } from './types.js';

export function cancelled(): BuildError {
  return new BuildError('E_CANCELLED', 'the step was cancelled');
}

export function exitResult(code: number | null, sig: NodeJS.Signals | null): RunResult {
  if (sig) return { exitCode: 128 + ((osConstants.signals as Record<string, number>)[sig] ?? 0), signal: sig };
  return { exitCode: code ?? 1 };
}

/** Run `kill` when `signal` aborts (at once when it already has); `stop()` once the process is gone. */
export function onStepAbort(signal: AbortSignal | undefined, kill: () => void): { readonly aborted: boolean; stop(): void } {
  let fired = false;
  const onAbort = () => {
    fired = true;
    kill();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  return {
    get aborted() {
      return fired || signal?.aborted === true;
    },
    stop: () => signal?.removeEventListener('abort', onAbort),
  };
}

export interface SettleOptions {
  /** the program started, for "cannot start" */
  binary: string;
  /** end the step on abort (the executor knows what must die) */
  kill: () => void;
  /** after a normal end: an error that overrides the exit code (e.g. the namespaces were never set up) */
  check?: (code: number | null, sig: NodeJS.Signals | null) => BuildError | undefined;
  /** called once the process is gone (or never started), before the result: end what lived only for it */
  onGone?: () => void;
}

/**
 * Forward a spawned step's output to `spec` and settle once it is gone and its output pipes are
 * drained (they are not the child's own stdio): E_EXEC_FAILED when it could not start, else as above.
 */
export function settleStep(p: { child: ChildProcess; stdout: Readable; stderr: Readable; closed: Promise<void> }, spec: RunSpec, o: SettleOptions): Promise<RunResult> {
  return new Promise<RunResult>((resolve, reject) => {
    const abort = onStepAbort(spec.signal, o.kill);
    p.stdout.on('data', (c: Buffer) => spec.onStdout?.(c));
    p.stderr.on('data', (c: Buffer) => spec.onStderr?.(c));
    p.child.on('error', (err) => {
      abort.stop();
      o.onGone?.();
      reject(new BuildError('E_EXEC_FAILED', `cannot start ${o.binary}: ${err.message}`, { cause: err }));
    });
    p.child.on('close', (code, sig) => void p.closed.then(() => {
      abort.stop();
      o.onGone?.();
      if (abort.aborted) return reject(cancelled());
      const err = o.check?.(code, sig);
      if (err) return reject(err);
      resolve(exitResult(code, sig));
    }));
  });
}
