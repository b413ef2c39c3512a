/**
 * Cancelling a store operation through an AbortSignal (`save`, `load`, `import`, `push`, `pull`,
 * `prune`, unpacking). The operation stops by destroying the streams it is moving bytes through —
 * a read or a write blocked on a slow peer ends at once — and then fails the ordinary way, so its
 * usual cleanup runs (temp files, partial archives, blobs it added) before the promise settles.
 * At the API boundary, `cancellable()` turns whatever error that produced into E_CANCELLED.
 */
import { StoreError } from '../errors.js';

/** E_CANCELLED for `what` (e.g. "save"), `cause` the signal's reason, as a cancelled build's error. */
export function cancelledError(what: string, signal: AbortSignal): StoreError {
  const reason: unknown = signal.reason;
  const why = reason instanceof Error ? reason.message : reason === undefined ? '' : String(reason);
  return new StoreError('E_CANCELLED', why ? `${what} cancelled: ${why}` : `${what} cancelled`, {}, { cause: reason });
}

/** The error streams are destroyed with: an AbortError, as Node's own abortable APIs use. */
export function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });
}

/**
 * Call `stop` once `signal` aborts (at once when it already has); returns the detach function,
 * for a `finally` (a listener left on a long-lived signal would keep the streams alive).
 */
export function onAbort(signal: AbortSignal | undefined, stop: (err: Error) => void): () => void {
  if (!signal) return () => {};
  const listener = () => stop(abortError(signal));
  if (signal.aborted) {
    listener();
    return () => {};
  }
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

/** Run `fn`; if `signal` aborted before or while it ran, its failure is E_CANCELLED (cleanup done by then). */
export async function cancellable<T>(what: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  if (signal?.aborted) throw cancelledError(what, signal);
  try {
    return await fn();
  } catch (err) {
    if (signal?.aborted) throw cancelledError(what, signal);
    throw err;
  }
}
