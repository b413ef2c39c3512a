/**
 * BuildKit's `--progress=plain` rendering of build events:
 *   #5 [build 2/5] RUN make
 *   #5 0.412 compiling…
 *   #5 DONE 0.3s
 *   #6 [stage-1 2/3] COPY a b
 *   #6 CACHED
 */
import type { BuildEvent } from '../../types.js';
import { LineSplitter } from '../../progress/lines.js';

export function plainRenderer(out: NodeJS.WritableStream): (e: BuildEvent) => void {
  const started = new Map<string, number>();
  const partial = new Map<string, LineSplitter>();
  const cachedShown = new Set<string>();
  const flush = (id: string) => {
    const rest = partial.get(id)?.flush();
    if (rest) out.write(`#${id} ${secs(started.get(id))} ${rest}\n`);
    partial.delete(id);
  };
  return (e) => {
    switch (e.type) {
      case 'step-start':
        started.set(e.stepId, Date.now());
        out.write(`\n#${e.stepId} ${e.name}\n`);
        break;
      case 'step-cached':
        cachedShown.add(e.stepId);
        out.write(`#${e.stepId} CACHED\n`);
        break;
      case 'step-log': {
        let split = partial.get(e.stepId);
        if (!split) partial.set(e.stepId, (split = new LineSplitter()));
        const lines = split.push(e.data);
        // one write per chunk: stderr is written synchronously, a syscall per line was ~5 µs a line
        if (lines.length) {
          const prefix = `#${e.stepId} ${secs(started.get(e.stepId))} `;
          out.write(lines.map((l) => `${prefix}${l}\n`).join(''));
        }
        break;
      }
      case 'step-done':
        flush(e.stepId);
        if (!cachedShown.has(e.stepId)) out.write(`#${e.stepId} DONE ${(e.durationMs / 1000).toFixed(1)}s\n`);
        break;
      case 'step-error':
        flush(e.stepId);
        out.write(`#${e.stepId} ERROR: ${e.error}\n`);
        break;
      case 'info':
        out.write(`${e.message}\n`);
        break;
      case 'warning':
        out.write(`WARNING: ${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.message}\n`);
        break;
      case 'export':
        out.write(`\n#exporting ${e.output}${e.dest ? ` to ${e.dest}` : ''}${e.digest ? ` ${e.digest}` : ''} done\n`);
        break;
    }
  };
}

function secs(t0: number | undefined): string {
  return ((Date.now() - (t0 ?? Date.now())) / 1000).toFixed(3);
}
