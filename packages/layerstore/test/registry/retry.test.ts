import { describe, expect, it } from 'vitest';
import { backoffMs, retry } from '../../src/registry/retry.js';
import { settleAll } from '../../src/registry/settleAll.js';

describe('registry retry policy', () => {
  it('backs off base·2^(n−1), capped at 10 s; Retry-After wins, capped at 60 s', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n))).toEqual([250, 500, 1000, 2000]);
    expect(backoffMs(3, 10)).toBe(40);
    expect(backoffMs(20)).toBe(10_000);
    expect(backoffMs(1, 250, 1000)).toBe(1000);
    expect(backoffMs(1, 250, 3_600_000)).toBe(60_000);
  });

  it('retries a retryable failure until it succeeds, reporting each retry, with the backoff between', async () => {
    const retried: number[] = [];
    const t0 = Date.now();
    const r = await retry({ attempts: 5, retryBaseMs: 20 }, async (n) => {
      if (n < 3) throw new Error(`fail ${n}`);
      return `ok ${n}`;
    }, { retryable: () => true, onRetry: (_e, n) => retried.push(n) });
    expect(r).toBe('ok 3');
    expect(retried).toEqual([1, 2]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(20 + 40 - 5);
  });

  it('stops at the attempts, throwing what exhausted() makes of the last failure', async () => {
    let runs = 0;
    const err = await retry({ attempts: 3, retryBaseMs: 1 }, async () => {
      runs++;
      throw new Error(`reset ${runs}`);
    }, { retryable: () => true, exhausted: (e) => new Error(`unreachable: ${(e as Error).message}`) }).catch((e: Error) => e);
    expect(runs).toBe(3);
    expect((err as Error).message).toBe('unreachable: reset 3');
  });

  it('a failure that is not retryable is thrown at once; retryable() may throw another error instead', async () => {
    let runs = 0;
    const a = await retry({ attempts: 5, retryBaseMs: 1 }, async () => { runs++; throw new Error('404'); }, { retryable: () => false }).catch((e: Error) => e);
    expect([runs, (a as Error).message]).toEqual([1, '404']);
    const b = await retry({ attempts: 5, retryBaseMs: 1 }, async () => { throw new Error('reset'); }, { retryable: () => { throw new Error('ENOSPC'); } }).catch((e: Error) => e);
    expect((b as Error).message).toBe('ENOSPC');
  });

  it('an aborted signal ends the retries with the abort', async () => {
    const ac = new AbortController();
    let runs = 0;
    const err = await retry({ attempts: 5, retryBaseMs: 1, signal: ac.signal }, async () => {
      runs++;
      ac.abort();
      throw new Error('reset');
    }, { retryable: () => true }).catch((e: Error) => e);
    expect(runs).toBe(1);
    expect((err as Error).name).toBe('AbortError');
  });

  it('settleAll waits for every job before throwing the first failure', async () => {
    let slowDone = false;
    const slow = new Promise<void>((r) => setTimeout(() => { slowDone = true; r(); }, 30));
    const err = await settleAll([Promise.reject(new Error('first')), slow, Promise.reject(new Error('second'))]).catch((e: Error) => e);
    expect((err as Error).message).toBe('first');
    expect(slowDone).toBe(true);
    await expect(settleAll([Promise.resolve(1)])).resolves.toBeUndefined();
  });
});
