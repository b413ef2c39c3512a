/**
 * The live view on a terminal, after buildx's: a header with the elapsed time and steps done,
 * finished steps on one line each (CACHED or their duration), running steps with a timer and
 * their last lines of output, a cache-miss reason under a step that ran although it had run
 * before, transfers as bars. The frame is redrawn in place (cursor up, clear) at most every
 * 100 ms; when it is taller than the terminal, the oldest finished steps leave the frame. The
 * last frame (on success, failure or Ctrl-C) lists every step with nothing running.
 */
import type { BuildEvent } from '../../types.js';
import { LineSplitter } from '../../progress/lines.js';
import { MissReasons } from './missShown.js';
import { readTransfer, transferLabel, transferSize } from './transfer.js';
import { warningSummary, warningText } from './plain.js';
import { makeStyle, type Style } from './style.js';
import type { RenderOptions, Renderer } from './types.js';

const LOG_LINES = 6;
const FRAME_MS = 100;

interface StepView {
  id: string;
  name: string;
  start: number;
  end?: number;
  cached: boolean;
  /** a stage's FROM (step 1): resolved, never "CACHED", as buildx shows it */
  base: boolean;
  error?: string;
  miss?: string;
  /** the last LOG_LINES complete lines, made printable */
  logs: string[];
  /** the step's output split into lines as the plain view splits it (the unfinished line kept, at most MAX_LINE long) */
  lines: LineSplitter;
}

interface TransferView { id: string; name: string; current: number; total?: number; done: boolean; start: number; end?: number; status?: string }

export function ttyRenderer(out: NodeJS.WritableStream, opts: RenderOptions, now: () => number = Date.now): Renderer {
  const style: Style = makeStyle(opts.color);
  const t0 = now();
  const steps = new Map<string, StepView>();
  const transfers = new Map<string, TransferView>();
  const extra: string[] = []; // export lines
  const warnings: string[] = [];
  const misses = new MissReasons();
  let drawn = 0; // lines of the last frame, above the cursor
  let lastDraw = -Infinity;
  let finished: 'ok' | 'failed' | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;

  const write = (s: string) => out.write(s);
  const erase = (): string => (drawn > 0 ? `\x1b[${drawn}F\x1b[J` : '');

  const draw = (): void => {
    lastDraw = now();
    const lines = frame(finished !== undefined);
    write(`${erase()}${lines.map((l) => `${l}\x1b[K\n`).join('')}`);
    drawn = lines.length;
  };

  const frame = (final: boolean): string[] => {
    const width = Math.max(20, opts.columns());
    const t = now();
    const all = [...steps.values()];
    const doneCount = all.filter((s) => s.end !== undefined).length;
    const elapsed = ((t - t0) / 1000).toFixed(1);
    let head = `[+] Building ${elapsed}s (${doneCount}/${all.length})`;
    if (final) {
      const cached = all.filter((s) => s.cached && s.end !== undefined).length;
      const ran = all.filter((s) => !s.cached && !s.base && s.end !== undefined && !s.error).length;
      head += finished === 'ok' ? ` ${style.green('FINISHED')}` : ` ${style.red('FAILED')}`;
      head += style.dim(`  ${cached} cached, ${ran} ran`);
    }
    const body: { text: string; running: boolean }[] = [];
    for (const s of all) {
      const dur = (((s.end ?? t) - s.start) / 1000).toFixed(1) + 's';
      const running = s.end === undefined && !final;
      // fitted without colour (escape codes would count as width), coloured after
      const mark = s.error ? 'ERROR' : s.cached && s.end !== undefined ? 'CACHED' : '';
      let line = fit(` => ${mark ? `${mark} ` : ''}${s.name}`, dur, width);
      if (mark) line = line.replace(` => ${mark} `, ` => ${mark === 'ERROR' ? style.red(mark) : style.blue(mark)} `);
      body.push({ text: running ? style.blue(line) : s.error ? style.red(line) : line, running });
      if (s.miss) body.push({ text: style.yellow(clip(` => => cache miss: ${s.miss}`, width)), running });
      if (running) {
        const partial = s.lines.peek();
        const tail = [...s.logs, ...(partial ? [printable(partial)] : [])].slice(-LOG_LINES);
        for (const l of tail) body.push({ text: style.dim(clip(` => => # ${l}`, width)), running });
      }
    }
    for (const tr of transfers.values()) body.push({ text: bar(tr, width, t), running: !tr.done });
    for (const l of extra) body.push({ text: clip(l, width), running: false });
    let shown = body.map((b) => b.text);
    if (!final) {
      // keep the frame within the terminal: the oldest finished lines go first
      const room = Math.max(3, opts.rows() - 2);
      if (shown.length > room) {
        let drop = shown.length - room;
        const kept: string[] = [];
        for (const b of body) {
          if (drop > 0 && !b.running) { drop--; continue; }
          kept.push(b.text);
        }
        shown = kept.slice(-room);
      }
    }
    return [head, ...shown];
  };

  // an event redraws at once unless a frame went out less than FRAME_MS ago; the interval keeps
  // the timers moving (and shows what such a throttled event changed)
  const schedule = () => {
    if (finished !== undefined) return;
    if (!timer) {
      timer = setInterval(() => { if (finished === undefined) draw(); }, FRAME_MS);
      timer.unref?.();
      write('\x1b[?25l'); // no blinking cursor inside the frame
    }
    if (now() - lastDraw >= FRAME_MS) draw();
  };

  const step = (id: string): StepView | undefined => steps.get(id);

  const onEvent = (e: BuildEvent): void => {
    switch (e.type) {
      case 'step-start':
        steps.set(e.stepId, { id: e.stepId, name: e.name, start: now(), cached: false, base: e.index === 1, logs: [], lines: new LineSplitter() });
        misses.started(e.stepId, e.stage, e.name);
        break;
      case 'step-cached': {
        const s = step(e.stepId);
        if (s && !s.base) s.cached = true;
        break;
      }
      case 'step-miss': {
        const s = step(e.stepId);
        const shown = misses.shown(e.stepId, e.reason);
        if (s && shown) s.miss = shown;
        break;
      }
      case 'step-log': {
        const s = step(e.stepId);
        if (!s) break;
        // the same splitting as the plain view (linear time; an endless line such as `head -c 1G
        // /dev/zero` is cut every MAX_LINE characters), of which only the last lines are kept
        const done = s.lines.push(e.data);
        if (done.length) s.logs = [...s.logs, ...done.slice(-LOG_LINES).map(printable)].slice(-LOG_LINES);
        break;
      }
      case 'step-done': {
        const s = step(e.stepId);
        if (s) { s.end = now(); s.cached = e.cached && !s.base; }
        break;
      }
      case 'step-error': {
        const s = step(e.stepId);
        if (s) { s.end = now(); s.error = e.error; }
        break;
      }
      case 'info':
        if (e.debug && !opts.debug) return;
        above(e.message);
        return;
      case 'warning':
      case 'lint':
        warnings.push(`${style.yellow('WARNING:')} ${warningText(e)}`);
        break;
      case 'export':
        extra.push(` => exporting ${e.output}${e.dest ? ` to ${e.dest}` : ''}${e.digest ? ` ${e.digest}` : ''}`);
        break;
      default: {
        // registry transfers (pull of a FROM image, push, registry cache): one bar per blob
        const tr = readTransfer(e);
        if (tr) {
          const v: TransferView = transfers.get(tr.key) ?? { id: tr.key, name: tr.name, current: 0, start: now(), done: false };
          v.current = tr.current;
          if (tr.total) v.total = tr.total;
          v.status = tr.status;
          if (tr.settled && !v.done) { v.done = true; v.end = now(); }
          transfers.set(tr.key, v);
        }
        break;
      }
    }
    schedule();
  };

  /** a line printed once, above the live frame */
  const above = (text: string): void => {
    write(`${erase()}${text}\n`);
    drawn = 0;
    if (timer) draw();
  };

  return {
    onEvent,
    note: above,
    finish(ok: boolean) {
      if (finished !== undefined) return;
      finished = ok ? 'ok' : 'failed';
      if (timer) clearInterval(timer);
      if (steps.size > 0 || extra.length > 0 || transfers.size > 0) draw();
      if (warnings.length) write(warningSummary(warnings));
      write('\x1b[?25h');
    },
    abort() {
      if (timer) clearInterval(timer);
      write('\x1b[?25h\n');
    },
  };
}

/** `left ... right` on one terminal line (ANSI-free input). */
function fit(left: string, right: string, width: number): string {
  const room = width - right.length - 1;
  const l = left.length > room ? `${left.slice(0, Math.max(0, room - 1))}…` : left.padEnd(room);
  return `${l} ${right}`;
}

function clip(s: string, width: number): string {
  return s.length > width - 1 ? `${s.slice(0, width - 2)}…` : s;
}

/** Control characters out of a log line (a stray \r or escape would break the frame). */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  // a tab is as wide as the terminal makes it: spaces keep the line's width known
  // what a terminal shows of `10%\r55%\r100%` is the text after the last carriage return
  const t = s.replace(/\r+$/, '');
  return t.slice(t.lastIndexOf('\r') + 1).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\t/g, '    ').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}

function bar(t: TransferView, width: number, now: number): string {
  const secs = `${(((t.end ?? now) - t.start) / 1000).toFixed(1)}s`;
  const size = t.total ? `${transferSize(t.current)}/${transferSize(t.total)}` : transferSize(t.current);
  const barWidth = 20;
  const filled = t.total ? Math.min(barWidth, Math.round((t.current / t.total) * barWidth)) : 0;
  const b = t.done ? '' : ` [${'='.repeat(filled)}${' '.repeat(barWidth - filled)}]`;
  // the status in words once it is not the plain "done" (the bar's end says that); a retry's reason
  // is left to the plain view, the bar has no room for it
  const label = t.status === 'done' ? undefined : transferLabel(undefined, t.status);
  const what = label ? ` ${label}` : '';
  // the name gives way first on a narrow terminal: the bar and the bytes are what move
  return fit(` => => ${t.name}`, `${b.trim()} ${size}${what} ${secs}`.trim(), width);
}
