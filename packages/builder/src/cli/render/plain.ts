/**
 * BuildKit's `--progress=plain` rendering of build events:
 *   #5 [build 2/5] RUN make
 *   #5 CACHE MISS: src/app.ts changed
 *   #5 0.412 compiling…
 *   #5 DONE 0.3s
 *   #6 [stage-1 2/3] COPY a b
 *   #6 CACHED
 * Lines of a step always stand under that step's header: when parallel stages take turns, the
 * header is printed again (as BuildKit does), so `#4 CACHED` never appears under `#5 …`.
 */
import type { BuildEvent } from '../../types.js';
import { LineSplitter } from '../../progress/lines.js';
import { MissReasons } from './missShown.js';
import { readTransfer } from './transfer.js';
import { makeStyle, type Style } from './style.js';
import type { RenderOptions, Renderer } from './types.js';

export function plainRenderer(out: NodeJS.WritableStream, opts: Partial<RenderOptions> = {}): Renderer {
  const style: Style = makeStyle(opts.color ?? false);
  const started = new Map<string, number>();
  const names = new Map<string, string>();
  // the unfinished line of each step, split in linear time (progress/lines.ts)
  const partial = new Map<string, LineSplitter>();
  const cachedShown = new Set<string>();
  const misses = new MissReasons();
  const lints: string[] = [];
  let current: string | undefined;
  /** the step's header, once per run of lines that belong to it */
  const under = (id: string): string => {
    if (current === id) return '';
    current = id;
    return `\n#${id} ${names.get(id) ?? ''}\n`;
  };
  const flush = (id: string): string => {
    const rest = partial.get(id)?.flush();
    partial.delete(id);
    return rest ? `#${id} ${secs(started.get(id))} ${rest}\n` : '';
  };
  const onEvent = (e: BuildEvent): void => {
    switch (e.type) {
      case 'step-start':
        started.set(e.stepId, Date.now());
        names.set(e.stepId, e.name);
        misses.started(e.stepId, e.stage, e.name);
        out.write(under(e.stepId));
        break;
      case 'step-cached':
        cachedShown.add(e.stepId);
        out.write(`${under(e.stepId)}#${e.stepId} ${style.blue('CACHED')}\n`);
        break;
      case 'step-miss': {
        const shown = misses.shown(e.stepId, e.reason);
        if (shown) out.write(`${under(e.stepId)}#${e.stepId} ${style.yellow(`CACHE MISS: ${shown}`)}\n`);
        break;
      }
      case 'step-log': {
        let split = partial.get(e.stepId);
        if (!split) partial.set(e.stepId, (split = new LineSplitter()));
        const lines = split.push(e.data);
        // one write per chunk: stderr is written synchronously, so a write per line is a syscall per line
        if (lines.length) {
          const prefix = `#${e.stepId} ${secs(started.get(e.stepId))} `;
          out.write(under(e.stepId) + lines.map((l) => `${prefix}${l}\n`).join(''));
        }
        break;
      }
      case 'step-done': {
        const rest = partial.has(e.stepId) ? flush(e.stepId) : '';
        if (!cachedShown.has(e.stepId)) out.write(`${under(e.stepId)}${rest}#${e.stepId} DONE ${(e.durationMs / 1000).toFixed(1)}s\n`);
        else if (rest) out.write(`${under(e.stepId)}${rest}`);
        break;
      }
      case 'step-error': {
        const rest = flush(e.stepId);
        out.write(`${under(e.stepId)}${rest}#${e.stepId} ${style.red(`ERROR: ${e.error}`)}\n`);
        break;
      }
      case 'info':
        if (e.debug && !opts.debug) break;
        current = undefined;
        out.write(`${e.message}\n`);
        break;
      case 'warning':
      case 'lint':
        current = undefined;
        out.write(`${style.yellow('WARNING:')} ${warningText(e)}\n`);
        if (e.type === 'lint') lints.push(warningText(e));
        break;
      case 'export':
        current = undefined;
        out.write(`\n#exporting ${e.output}${e.dest ? ` to ${e.dest}` : ''}${e.digest ? ` ${e.digest}` : ''} done\n`);
        break;
      default: {
        // registry transfers: one line per blob once it settled (the tty view draws the bytes)
        const tr = readTransfer(e);
        if (tr?.line) {
          current = undefined;
          out.write(`${tr.line}\n`);
        }
        break;
      }
    }
  };
  return {
    onEvent,
    note: (text) => { current = undefined; out.write(`${text}\n`); },
    // the lint findings again at the end, where a long log is read (as buildx sums them up)
    finish() {
      if (lints.length) out.write(warningSummary(lints));
      lints.length = 0;
    },
    abort() {},
  };
}

/** The warnings again at the end of a build, where a long log is read (as buildx sums them up). */
export function warningSummary(lines: string[]): string {
  return `\n${lines.length} warning${lines.length === 1 ? '' : 's'} found:\n${lines.map((l) => ` - ${l}\n`).join('')}`;
}

/** `Rule: message (file:line)` for lint warnings, `file:line: message` for the others. */
export function warningText(e: Extract<BuildEvent, { type: 'warning' | 'lint' }>): string {
  const where = e.location ? `${e.location.file}:${e.location.line}` : '';
  if (e.type === 'lint') return `${e.rule}: ${e.message}${where ? ` (${where})` : ''}`;
  return `${where ? `${where}: ` : ''}${e.message}`;
}

function secs(t0: number | undefined): string {
  return ((Date.now() - (t0 ?? Date.now())) / 1000).toFixed(3);
}
