/**
 * End the CLI process once its output is flushed, without Node's orderly teardown (freeing the
 * heap page by page, joining the platform threads: a tenth of a warm build, docs/performance.md).
 * main() has awaited everything the command started by the time it returns; on Linux, writes to
 * pipes, files and TTYs are synchronous, so waiting for stdout/stderr is only a safeguard.
 */
export function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  const pending = [process.stdout, process.stderr].filter((s) => s.writableLength > 0);
  if (pending.length === 0) process.exit(code);
  void Promise.all(pending.map((s) => new Promise<void>((resolve) => s.write('', () => resolve())))).then(() => process.exit(code));
}
