/** The progress views fed a scripted event stream: grouping, miss reasons, colour, debug lines, the live frame. */
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import type { BuildEvent } from '../../src/types.js';
import { createRenderer, resolveMode } from '../../src/cli/render/index.js';
import { ttyRenderer } from '../../src/cli/render/tty.js';
import { colorWanted } from '../../src/cli/render/style.js';
import { transferLabel, transferSize } from '../../src/cli/render/transfer.js';
import { transferPrinter } from '../../src/cli/commands/_transfer-progress.js';

function sink(): { stream: Writable; text: () => string } {
  let buf = '';
  const stream = new Writable({ write(chunk, _enc, cb) { buf += String(chunk); cb(); } });
  return { stream, text: () => buf };
}
const strip = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
const opts = { color: false, debug: false, columns: () => 80, rows: () => 24 };

/** Two stages running side by side, as solveGraph interleaves them. */
const PARALLEL: BuildEvent[] = [
  { type: 'info', message: 'executor: unshare (util-linux)', debug: true },
  { type: 'step-start', stepId: '4', name: '[a 2/2] RUN make', stage: 0, index: 2, total: 2 },
  { type: 'step-start', stepId: '5', name: '[b 2/3] COPY x /x', stage: 1, index: 2, total: 3 },
  { type: 'step-miss', stepId: '4', reason: 'COPY src/: src/app.ts changed' },
  { type: 'step-log', stepId: '4', stream: 'stdout', data: 'compiling\n' },
  { type: 'step-cached', stepId: '5', name: '[b 2/3] COPY x /x' },
  { type: 'step-done', stepId: '5', name: '[b 2/3] COPY x /x', durationMs: 0, cached: true },
  { type: 'step-log', stepId: '4', stream: 'stdout', data: 'linking\npartial' },
  { type: 'step-start', stepId: '6', name: '[b 3/3] RUN test', stage: 1, index: 3, total: 3 },
  { type: 'step-miss', stepId: '6', reason: 'no earlier build of this step' },
  { type: 'step-done', stepId: '4', name: '[a 2/2] RUN make', durationMs: 1234, cached: false, missReason: 'COPY src/: src/app.ts changed' },
  { type: 'step-done', stepId: '6', name: '[b 3/3] RUN test', durationMs: 100, cached: false, missReason: 'no earlier build of this step' },
];

describe('plain view', () => {
  it('keeps every line under its own step header when stages interleave', () => {
    const s = sink();
    const r = createRenderer('plain', s.stream, opts);
    for (const e of PARALLEL) r.onEvent!(e);
    const text = s.text().replace(/#(\d) \d+\.\d{3} /g, '#$1 T ');
    // each block of lines starts with its step's header; `#5 CACHED` never under #4's
    const blocks = text.split('\n\n').filter(Boolean).map((b) => b.split('\n').filter(Boolean));
    for (const b of blocks) {
      const id = /^#(\d+) /.exec(b[0]!)![1];
      for (const l of b) expect(l.startsWith(`#${id} `), `${l} in block of #${id}`).toBe(true);
    }
    expect(text).toContain('#5 [b 2/3] COPY x /x\n#5 CACHED\n');
    expect(text).toContain('#4 CACHE MISS: COPY src/: src/app.ts changed\n');
    expect(text).toContain('#4 T partial\n#4 DONE 1.2s');
    // a first build of a step says nothing: no earlier build to compare with
    expect(text).not.toContain('CACHE MISS: no earlier build');
    // executor lines only with --debug
    expect(text).not.toContain('executor:');
    const d = sink();
    const rd = createRenderer('plain', d.stream, { ...opts, debug: true });
    for (const e of PARALLEL) rd.onEvent!(e);
    expect(d.text()).toContain('executor: unshare (util-linux)');
  });

  it('"previous step changed" only after a step of the same stage said why', () => {
    const s = sink();
    const r = createRenderer('plain', s.stream, opts);
    r.onEvent!({ type: 'step-start', stepId: '1', name: '[x 2/3] COPY a /a', stage: 0, index: 2, total: 3 });
    r.onEvent!({ type: 'step-miss', stepId: '1', reason: 'no earlier build of this step' });
    r.onEvent!({ type: 'step-start', stepId: '2', name: '[x 3/3] RUN b', stage: 0, index: 3, total: 3 });
    r.onEvent!({ type: 'step-miss', stepId: '2', reason: 'previous step changed' });
    r.onEvent!({ type: 'step-start', stepId: '3', name: '[y 2/3] COPY a /a', stage: 1, index: 2, total: 3 });
    r.onEvent!({ type: 'step-miss', stepId: '3', reason: 'ARG V changed' });
    r.onEvent!({ type: 'step-start', stepId: '4', name: '[y 3/3] RUN b', stage: 1, index: 3, total: 3 });
    r.onEvent!({ type: 'step-miss', stepId: '4', reason: 'previous step changed' });
    expect(s.text().match(/CACHE MISS: .*/g)).toEqual(['CACHE MISS: ARG V changed', 'CACHE MISS: previous step changed']);
    expect(s.text()).toContain('#4 CACHE MISS: previous step changed');
  });

  it('a stage on a stage that changed says "stage NAME changed" for its first miss', () => {
    const s = sink();
    const r = createRenderer('plain', s.stream, opts);
    const ev = (e: Record<string, unknown>) => r.onEvent!(e as unknown as BuildEvent);
    ev({ type: 'step-start', stepId: '1', name: '[base 1/2] FROM busybox', stage: 0, index: 1, total: 2 });
    ev({ type: 'step-start', stepId: '2', name: '[base 2/2] COPY a /a', stage: 0, index: 2, total: 2 });
    ev({ type: 'step-miss', stepId: '2', reason: 'COPY a: a changed' });
    ev({ type: 'step-start', stepId: '3', name: '[app 1/3] FROM base', stage: 1, index: 1, total: 3 });
    ev({ type: 'step-start', stepId: '4', name: '[app 2/3] RUN make', stage: 1, index: 2, total: 3 });
    ev({ type: 'step-miss', stepId: '4', reason: 'no earlier build of this step' });
    ev({ type: 'step-start', stepId: '5', name: '[app 3/3] RUN test', stage: 1, index: 3, total: 3 });
    ev({ type: 'step-miss', stepId: '5', reason: 'previous step changed' });
    ev({ type: 'step-start', stepId: '6', name: '[other 1/2] FROM busybox', stage: 2, index: 1, total: 2 });
    ev({ type: 'step-start', stepId: '7', name: '[other 2/2] RUN x', stage: 2, index: 2, total: 2 });
    ev({ type: 'step-miss', stepId: '7', reason: 'no earlier build of this step' });
    expect(s.text().match(/#\d CACHE MISS: .*/g)).toEqual(['#2 CACHE MISS: COPY a: a changed', '#4 CACHE MISS: stage base changed', '#5 CACHE MISS: previous step changed']);
  });

  it('colour only when asked (a terminal without NO_COLOR)', () => {
    expect(colorWanted(true, {})).toBe(true);
    expect(colorWanted(true, { NO_COLOR: '1' })).toBe(false);
    expect(colorWanted(true, { NO_COLOR: '' })).toBe(true); // no-color.org: set and non-empty
    expect(colorWanted(false, {})).toBe(false);
    expect(colorWanted(true, { TERM: 'dumb' })).toBe(false);
    const s = sink();
    const r = createRenderer('plain', s.stream, { ...opts, color: true });
    for (const e of PARALLEL) r.onEvent!(e);
    expect(s.text()).toContain('\x1b[33mCACHE MISS');
    const n = sink();
    const rn = createRenderer('plain', n.stream, opts);
    for (const e of PARALLEL) rn.onEvent!(e);
    expect(n.text()).not.toContain('\x1b[');
  });

  it('lint warnings name their rule and place', () => {
    const s = sink();
    const r = createRenderer('plain', s.stream, opts);
    r.onEvent!({ type: 'lint', message: 'Maintainer instruction is deprecated in favor of using label', rule: 'MaintainerDeprecated', location: { file: 'Dockerfile', line: 2 } });
    r.onEvent!({ type: 'warning', message: 'cache export failed', location: { file: 'Dockerfile', line: 3 } });
    expect(s.text()).toBe('WARNING: MaintainerDeprecated: Maintainer instruction is deprecated in favor of using label (Dockerfile:2)\nWARNING: Dockerfile:3: cache export failed\n');
    // and the lint findings once more at the end of the log
    r.finish(true);
    expect(s.text().endsWith('\n1 warning found:\n - MaintainerDeprecated: Maintainer instruction is deprecated in favor of using label (Dockerfile:2)\n')).toBe(true);
    // the live view sums up every warning under the last frame, in the same words
    const tty = sink();
    const rt = ttyRenderer(tty.stream, opts, () => 0);
    rt.onEvent!({ type: 'lint', message: 'Maintainer instruction is deprecated in favor of using label', rule: 'MaintainerDeprecated', location: { file: 'Dockerfile', line: 2 } });
    rt.onEvent!({ type: 'warning', message: 'cache export failed', location: { file: 'Dockerfile', line: 3 } });
    rt.finish(true);
    expect(strip(tty.text()).endsWith('\n2 warnings found:\n - WARNING: MaintainerDeprecated: Maintainer instruction is deprecated in favor of using label (Dockerfile:2)\n - WARNING: Dockerfile:3: cache export failed\n')).toBe(true);
  });
});

describe('modes', () => {
  it('auto is the live view on a terminal, plain elsewhere; quiet and rawjson', () => {
    expect(resolveMode('auto', true, {})).toBe('tty');
    expect(resolveMode('auto', false, {})).toBe('plain');
    expect(resolveMode('auto', true, { TERM: 'dumb' })).toBe('plain');
    expect(resolveMode('plain', true, {})).toBe('plain');
    const q = sink();
    const rq = createRenderer('quiet', q.stream, opts);
    for (const e of PARALLEL) rq.onEvent?.(e);
    rq.finish(true);
    expect(q.text()).toBe('');
    const j = sink();
    const rj = createRenderer('rawjson', j.stream, opts);
    for (const e of PARALLEL) rj.onEvent!(e);
    const lines = j.text().trim().split('\n').map((l) => JSON.parse(l) as { type: string; reason?: string });
    expect(lines).toHaveLength(PARALLEL.length);
    expect(lines.find((l) => l.type === 'step-miss')?.reason).toBe('COPY src/: src/app.ts changed');
  });
});

describe('tty view', () => {
  it('draws a frame, redraws it in place, and ends with every step on one line and a summary', () => {
    const s = sink();
    let t = 1000;
    const r = ttyRenderer(s.stream, opts, () => t);
    for (const e of PARALLEL.slice(0, 8)) { t += 100; r.onEvent!(e); }
    const live = s.text();
    expect(live).toContain('\x1b[?25l'); // cursor hidden while drawing
    expect(live).toMatch(/\[\+\] Building \d+\.\ds \(1\/2\)/);
    expect(live).toContain(' => => # compiling');
    expect(live).toContain(' => => cache miss: COPY src/: src/app.ts changed');
    expect(live).toMatch(/\x1b\[\d+F\x1b\[J/); // moved up over the last frame and cleared it
    for (const e of PARALLEL.slice(8)) { t += 100; r.onEvent!(e); }
    r.finish(true);
    const all = s.text();
    const last = all.slice(all.lastIndexOf('[+] Building'));
    expect(last).toMatch(/^\[\+\] Building \d+\.\ds \(3\/3\) FINISHED {2}1 cached, 2 ran/);
    expect(last).toMatch(/ => CACHED \[b 2\/3\] COPY x \/x +0\.\ds/);
    expect(last).toMatch(/ => \[a 2\/2\] RUN make +\d\.\ds/);
    expect(last).not.toContain('# compiling'); // finished steps keep no output
    expect(all.endsWith('\x1b[?25h')).toBe(true); // cursor given back
    // every line fits the terminal: a wrapped line would break the redraw
    for (const l of all.split('\n')) expect(l.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').length).toBeLessThanOrEqual(80);
    // with colour, the durations still line up (escape codes take no columns)
    const c = sink();
    const rc = ttyRenderer(c.stream, { ...opts, color: true }, () => (t += 100));
    for (const e of PARALLEL) rc.onEvent!(e);
    rc.finish(true);
    const lastC = c.text().slice(c.text().lastIndexOf('[+] Building')).split('\n').filter((l) => l.includes(' => [') || l.includes('CACHED'));
    const ends = lastC.map((l) => strip(l).replace(/\x1b\[K$/, '').length);
    expect(new Set(ends).size, lastC.join('\n')).toBe(1);
  });

  it('log lines are made safe for the frame: carriage returns, escapes and tabs', () => {
    const s = sink();
    let t = 0;
    const r = ttyRenderer(s.stream, opts, () => (t += 200));
    r.onEvent!({ type: 'step-start', stepId: '1', name: '[s 2/2] RUN x', stage: 0, index: 2, total: 2 });
    r.onEvent!({ type: 'step-log', stepId: '1', stream: 'stdout', data: ' 10%\r 55%\r100% done\n\x1b[31mred\x1b[0m\ta\x07b\n' });
    const text = s.text();
    expect(text).toContain(' => => # 100% done\x1b[K');
    expect(text).toContain(' => => # red    ab\x1b[K');
  });

  it('an endless line costs neither time nor memory: only its tail is kept', () => {
    const s = sink();
    let t = 0;
    const r = ttyRenderer(s.stream, opts, () => (t += 200));
    r.onEvent!({ type: 'step-start', stepId: '1', name: '[s 2/2] RUN x', stage: 0, index: 2, total: 2 });
    const chunk = 'z'.repeat(64 * 1024);
    const t0 = performance.now();
    for (let i = 0; i < 640; i++) r.onEvent!({ type: 'step-log', stepId: '1', stream: 'stdout', data: chunk }); // 40 MiB, no newline
    r.onEvent!({ type: 'step-log', stepId: '1', stream: 'stdout', data: 'END\nnext\n' });
    expect(performance.now() - t0).toBeLessThan(2000);
    const last = s.text().slice(s.text().lastIndexOf('[+] Building'));
    // cut where the plain view cuts it (progress/lines.ts): its last pieces, then END, then next
    expect(last).toMatch(/ => => # z+…\x1b\[K\n => => # END\x1b\[K\n => => # next\x1b\[K/);
    const p = sink();
    const rp = createRenderer('plain', p.stream, opts);
    rp.onEvent!({ type: 'step-start', stepId: '1', name: '[s 2/2] RUN x', stage: 0, index: 2, total: 2 });
    for (let i = 0; i < 640; i++) rp.onEvent!({ type: 'step-log', stepId: '1', stream: 'stdout', data: chunk });
    rp.onEvent!({ type: 'step-log', stepId: '1', stream: 'stdout', data: 'END\nnext\n' });
    const plainTail = p.text().trimEnd().split('\n').slice(-6).map((l) => l.replace(/^#1 \d+\.\d+ /, ''));
    const ttyTail = strip(last).trimEnd().split('\n').slice(-6).map((l) => l.replace(/^ => => # /, ''));
    // each line the frame shows is the plain view's line, clipped to the terminal's width
    expect(ttyTail.map((l, i) => plainTail[i]!.startsWith(l.replace(/…$/, '')) && (l.endsWith('…') || l === plainTail[i]))).toEqual([true, true, true, true, true, true]);
    expect(plainTail.slice(-2)).toEqual(['END', 'next']);
    r.finish(true);
  });

  it('a frame taller than the terminal drops finished steps first, never running ones', () => {
    const s = sink();
    let t = 0;
    const r = ttyRenderer(s.stream, { ...opts, rows: () => 8 }, () => (t += 200));
    for (let i = 1; i <= 20; i++) {
      r.onEvent!({ type: 'step-start', stepId: String(i), name: `[s ${i}/21] RUN step${i}`, stage: 0, index: i, total: 21 });
      if (i < 20) r.onEvent!({ type: 'step-done', stepId: String(i), name: '', durationMs: 1, cached: false });
    }
    r.onEvent!({ type: 'step-log', stepId: '20', stream: 'stdout', data: 'still going\n' });
    const frames = s.text().split('[+] Building');
    const last = frames[frames.length - 1]!.split('\n').filter((l) => l.includes('=>'));
    expect(last.length).toBeLessThanOrEqual(6);
    expect(last.some((l) => l.includes('RUN step20'))).toBe(true);
    expect(last.some((l) => l.includes('still going'))).toBe(true);
    r.finish(false);
    const final = s.text().slice(s.text().lastIndexOf('[+] Building'));
    expect(final).toContain('FAILED');
    for (let i = 1; i <= 20; i++) expect(final).toContain(`RUN step${i} `); // the last frame lists every step
  });

  it('registry transfers are bars while they move and one line once settled', () => {
    const s = sink();
    let t = 0;
    const r = ttyRenderer(s.stream, opts, () => (t += 200));
    const ev = (status: string, current: number) => ({ type: 'transfer', action: 'pull', ref: 'localhost:5000/app:1', digest: `sha256:${'ab'.repeat(32)}`, kind: 'layer', status, current, total: 2_000_000 }) as unknown as BuildEvent;
    r.onEvent!(ev('downloading', 500_000));
    expect(strip(s.text())).toMatch(/=> => pull localhost:5000\/app:1 .* \[=====\s{15}\] 500\.0kB\/2\.0MB \d+\.\ds\n/);
    r.onEvent!(ev('done', 2_000_000));
    r.finish(true);
    const last = strip(s.text().slice(s.text().lastIndexOf('[+] Building')));
    expect(last).toMatch(/=> => pull localhost:5000\/app:1 layer abababababab +2\.0MB\/2\.0MB \d+\.\ds\n/);
    const p = sink();
    const rp = createRenderer('plain', p.stream, opts);
    rp.onEvent!(ev('downloading', 1));
    rp.onEvent!(ev('done', 2_000_000));
    expect(p.text()).toBe('#pull localhost:5000/app:1 layer abababababab: Pull complete\n');
    // the download shape (ADD <url>): id, current, done
    const d = sink();
    const rd = createRenderer('plain', d.stream, opts);
    rd.onEvent!({ type: 'transfer', id: 'https://example.com/x.tgz', current: 1_500_000, stepId: '7' } as unknown as BuildEvent);
    rd.onEvent!({ type: 'transfer', id: 'https://example.com/x.tgz', current: 3_000_000, done: true, stepId: '7' } as unknown as BuildEvent);
    expect(d.text()).toBe('#7 transferred https://example.com/x.tgz 3.0MB\n');
    // the library's TransferEvent for ADD <url>: action 'download', one event once fetched
    const dl = sink();
    const rdl = createRenderer('plain', dl.stream, opts);
    rdl.onEvent!({ type: 'transfer', action: 'download', ref: 'https://example.com/x.tgz', digest: `sha256:${'cd'.repeat(32)}`, kind: 'url', status: 'done', current: 3_000_000, total: 3_000_000, stepId: '7' });
    expect(dl.text()).toBe('#7 downloaded https://example.com/x.tgz 3.0MB\n');
  });

  it('one wording of transfer status and sizes: the bar, the plain line and tsbuild pull/push say the same', () => {
    expect([512, 500_000, 2_000_000, 1_500_000_000].map(transferSize)).toEqual(['512B', '500.0kB', '2.0MB', '1.5GB']);
    expect(transferLabel('push', 'retrying', 'reset')).toBe('Retrying: reset');
    const ev = (action: 'pull' | 'push', status: string, current = 2_000_000) => ({ type: 'transfer', action, ref: 'localhost:5000/app:1', digest: `sha256:${'ab'.repeat(32)}`, kind: 'layer', status, current, total: 2_000_000, message: status === 'retrying' ? 'socket hang up' : undefined }) as const;
    for (const [action, status, words] of [['pull', 'exists', 'Already exists'], ['push', 'mounted', 'Mounted'], ['push', 'done', 'Pushed'], ['pull', 'done', 'Pull complete']] as const) {
      const tty = sink();
      let t = 0;
      const r = ttyRenderer(tty.stream, opts, () => (t += 200));
      r.onEvent!(ev(action, status) as unknown as BuildEvent);
      r.finish(true);
      const bar = strip(tty.text()).split('\n').filter((l) => l.startsWith(' => => '));
      expect(bar.at(-1)).toMatch(status === 'done' ? / 2\.0MB\/2\.0MB \d+\.\ds$/ : new RegExp(` 2\\.0MB\\/2\\.0MB ${words} \\d+\\.\\ds$`));
      const plain = sink();
      createRenderer('plain', plain.stream, opts).onEvent!(ev(action, status) as unknown as BuildEvent);
      expect(plain.text()).toBe(`#${action} localhost:5000/app:1 layer abababababab: ${words}\n`);
      const cmd = sink();
      transferPrinter(cmd.stream, false)(ev(action, status) as never);
      expect(cmd.text()).toBe(status === 'done' ? `abababababab: ${words} 2.0MB\n` : `abababababab: ${words}\n`);
    }
    const cmd = sink();
    const print = transferPrinter(cmd.stream, false);
    print(ev('pull', 'retrying', 1000) as never);
    print(ev('pull', 'waiting', 0) as never);
    expect(cmd.text()).toBe('abababababab: Retrying: socket hang up\n');
  });

  it('notes (Ctrl-C) print above the frame; abort gives the cursor back', () => {
    const s = sink();
    const r = ttyRenderer(s.stream, opts, () => 0);
    r.onEvent!(PARALLEL[1]!);
    r.note('cancelling build…');
    expect(s.text()).toMatch(/\x1b\[\d+F\x1b\[Jcancelling build…\n\[\+\] Building/);
    r.abort();
    expect(s.text().endsWith('\x1b[?25h\n')).toBe(true);
  });
});
