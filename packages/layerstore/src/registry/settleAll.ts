/**
 * Wait for every job, then throw the first failure: no request outlives the pull or push that
 * started it (a job still writing a temp file or holding an upload session when the caller has
 * already returned would race the next command).
 */
export async function settleAll(jobs: Iterable<Promise<unknown>>): Promise<void> {
  const failed = (await Promise.allSettled(jobs)).find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}
