/**
 * The registry code's one retry policy: how long to wait before the next attempt (`backoffMs`),
 * and the attempt loop the per-blob transfers run (`retry`). The request engine (client.send)
 * waits with the same `backoff`, so a request, a blob download and a blob upload all back off
 * alike: `retryBaseMs` · 2^(attempt−1), capped at 10 s, a server's Retry-After winning (≤ 60 s).
 */
import type { RegistryOptions } from './types.js';

export type RetryPolicy = Pick<RegistryOptions, 'attempts' | 'retryBaseMs' | 'signal'>;

const DEFAULT_ATTEMPTS = 5;
const DEFAULT_BASE_MS = 250;
const MAX_BACKOFF_MS = 10_000;
/** a Retry-After longer than this is not waited for in full (a registry asking for an hour) */
const MAX_RETRY_AFTER_MS = 60_000;

export function attemptsOf(policy: RetryPolicy): number {
  return Math.max(1, policy.attempts ?? DEFAULT_ATTEMPTS);
}

/** The wait after failed attempt `attempt` (1-based). */
export function backoffMs(attempt: number, baseMs = DEFAULT_BASE_MS, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (attempt - 1));
}

export function backoff(policy: RetryPolicy, attempt: number, retryAfterMs?: number): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, backoffMs(attempt, policy.retryBaseMs, retryAfterMs)));
}

export interface RetryHooks {
  /**
   * Whether the failure is worth another attempt. It may throw a different error instead (a
   * download whose disk write failed throws that, not the network's error) and may clean up the
   * failed attempt's state first.
   */
  retryable(err: unknown, attempt: number): boolean | Promise<boolean>;
  /** the error thrown once the attempts are used up (default: the last failure) */
  exhausted?(err: unknown): unknown;
  /** called before waiting for the next attempt (progress: "retrying") */
  onRetry?(err: unknown, attempt: number): void;
}

/**
 * Run `attempt` until it succeeds, a failure is not retryable, the attempts are used up or the
 * signal aborts (the abort wins over a failure that is not the disk's: a cancelled transfer says so).
 */
export async function retry<T>(policy: RetryPolicy, attempt: (n: number) => Promise<T>, hooks: RetryHooks): Promise<T> {
  const attempts = attemptsOf(policy);
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      const again = await hooks.retryable(err, n);
      policy.signal?.throwIfAborted();
      if (!again) throw err;
      if (n >= attempts) throw hooks.exhausted ? hooks.exhausted(err) : err;
      hooks.onRetry?.(err, n);
      await backoff(policy, n);
    }
  }
}
