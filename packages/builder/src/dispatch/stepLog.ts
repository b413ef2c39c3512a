/**
 * A RUN step's output on its way to the progress events, clipped as BuildKit clips it: after
 * BUILDKIT_STEP_LOG_MAX_SIZE bytes (default 2 MiB, -1 = no limit; read from tsbuild's environment,
 * as buildkitd reads it from its own) the step's log says `[output clipped, log limit 2MiB reached]`
 * once and shows nothing more. BuildKit's rate limit (BUILDKIT_STEP_LOG_MAX_SPEED) is not applied:
 * what a build prints should not depend on how fast the machine ran it.
 *
 * Bytes are decoded per stream (a UTF-8 character split across two reads stays whole), and the
 * error tail of a failed step keeps its last lines whatever was clipped.
 */
import { StringDecoder } from 'node:string_decoder';

export const DEFAULT_STEP_LOG_MAX_SIZE = 2 * 1024 * 1024;

export type LogSink = (stream: 'stdout' | 'stderr', text: string) => void;

export function stepLogLimit(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BUILDKIT_STEP_LOG_MAX_SIZE;
  if (raw === undefined || raw.trim() === '') return DEFAULT_STEP_LOG_MAX_SIZE;
  const n = Number(raw);
  if (!Number.isInteger(n)) return DEFAULT_STEP_LOG_MAX_SIZE;
  return n < 0 ? -1 : n;
}

/** "2MiB", "512KiB", "100B" — BuildKit's wording of the limit */
export function formatLimit(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${Number.isInteger(v) ? v : Number(v.toFixed(2))}${units[u]}`;
}

export class StepLog {
  private shown = 0;
  private clipped = false;
  private endsLine = true;
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };

  constructor(private readonly sink: LogSink, private readonly limit = stepLogLimit()) {}

  /** a chunk the step wrote; the decoded text (whole characters), for the caller's own tail */
  write(stream: 'stdout' | 'stderr', chunk: Buffer): string {
    const text = this.decoders[stream].write(chunk);
    if (this.clipped || text === '') return text;
    if (this.limit >= 0 && this.shown + chunk.length > this.limit) {
      this.clipped = true;
      this.sink(stream, `${this.endsLine ? '' : '\n'}[output clipped, log limit ${formatLimit(this.limit)} reached]\n`);
      return text;
    }
    this.shown += chunk.length;
    this.endsLine = text.endsWith('\n');
    this.sink(stream, text);
    return text;
  }
}
