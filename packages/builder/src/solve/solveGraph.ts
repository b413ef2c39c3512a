/**
 * Solve the stages the target needs, independent ones concurrently (p-limit(jobs)). Each stage is
 * a promise in `stageResults`, so a stage awaits exactly the stages it reads from. The first
 * failure cancels the rest (their running steps are killed through the shared signal).
 */
import pLimit, { type LimitFunction } from 'p-limit';
import { solveStage } from './solveStage.js';
import type { SolveContext, StageResult } from './types.js';

/** `jobs`: a count, or a limit shared with other solves (the platforms of one build share --jobs). */
export async function solveGraph(solve: SolveContext, jobs: number | LimitFunction, cancel: (reason: unknown) => void): Promise<StageResult> {
  const limit = typeof jobs === 'number' ? pLimit(Math.max(1, jobs)) : jobs;
  const { stages } = solve.dockerfile;
  const all: Promise<StageResult>[] = [];
  let firstError: unknown;
  for (const index of solve.graph.order) {
    const p = limit(() => {
      solve.signal?.throwIfAborted();
      return solveStage(solve, stages[index]!);
    });
    p.catch((err) => {
      if (firstError === undefined) {
        firstError = err;
        cancel(err);
      }
    });
    solve.stageResults.set(index, p);
    all.push(p);
  }
  // stages only an inherited ONBUILD trigger names run on demand, outside the limit (their
  // dependent already holds a slot and waits for them)
  solve.scheduleStage = (index) => {
    const p = solveStage(solve, stages[index]!);
    solve.stageResults.set(index, p);
    p.catch(() => undefined);
    return p;
  };
  const settled = await Promise.allSettled(all);
  const failed = firstError !== undefined ? { reason: firstError } : settled.find((s) => s.status === 'rejected');
  if (failed) {
    // the steps' cache records (commitLayer does not wait for them): settled either way, so no
    // write is still running when the caller closes the store
    await Promise.allSettled(solve.pendingWrites ?? []);
    throw (failed as PromiseRejectedResult).reason;
  }
  // on success the caller settles them (settleWrites) while it writes the image
  return solve.stageResults.get(solve.graph.target)!;
}

/**
 * Wait for every step's pending write (cache records, scratch removal); the first failure is
 * thrown once all have settled. The build awaits this alongside writing the image, and tags the
 * image only after it succeeded.
 */
export async function settleWrites(solve: SolveContext): Promise<void> {
  const writes = await Promise.allSettled(solve.pendingWrites ?? []);
  const failed = writes.find((s) => s.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}
