/**
 * Split a step's output into lines in linear time, with a cap on a line's length.
 *
 * Why: keeping the unfinished line as a string and prepending it to every new chunk is quadratic
 * when the output has no newline (`head -c 40M /dev/zero` in a RUN took 70 s and 443 MB); and an
 * endless line would hold unbounded memory. Pieces of the unfinished line are kept in a list and
 * joined once, and a line longer than `maxLine` is cut into `maxLine`-long lines (BuildKit's log
 * path also cuts, at its message size), so memory for the unfinished line is at most `maxLine`.
 */
export const MAX_LINE = 16 * 1024;

export class LineSplitter {
  private pieces: string[] = [];
  private pending = 0;

  constructor(private readonly maxLine = MAX_LINE) {}

  /** the complete lines (without their '\n') that `text` finished */
  push(text: string): string[] {
    const out: string[] = [];
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      this.add(text.slice(from, nl), out);
      out.push(this.take());
      from = nl + 1;
    }
    if (from < text.length) this.add(from === 0 ? text : text.slice(from), out);
    return out;
  }

  /** the unfinished line so far (kept) */
  peek(): string {
    if (this.pieces.length > 1) this.pieces = [this.pieces.join('')];
    return this.pieces[0] ?? '';
  }

  /** the unfinished line (and forget it) */
  flush(): string {
    return this.take();
  }

  private add(s: string, out: string[]): void {
    if (s === '') return;
    this.pieces.push(s);
    this.pending += s.length;
    // a line of exactly maxLine waits for its newline (no empty line after a cut)
    if (this.pending <= this.maxLine) return;
    let all = this.take();
    while (all.length > this.maxLine) {
      out.push(all.slice(0, this.maxLine));
      all = all.slice(this.maxLine);
    }
    if (all) {
      this.pieces.push(all);
      this.pending = all.length;
    }
  }

  private take(): string {
    const s = this.pieces.length === 1 ? this.pieces[0]! : this.pieces.join('');
    this.pieces = [];
    this.pending = 0;
    return s;
  }
}
