/**
 * Output of one expansion: long pieces are kept as string slices, short ones (single escaped
 * characters, variable values) are gathered in a small typed buffer first (appending millions of
 * tiny pieces to a JS string is ten times slower); plus, when words are wanted, the positions
 * of unquoted white space that split words (BuildKit `wordsStruct`: such white space is kept in
 * the result but ends the current word; quoted or escaped white space does not; empty words are
 * dropped).
 */

/** Go unicode.IsSpace (all White_Space code points are in the BMP). */
export function isSpaceCode(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0x85) return false;
  return (
    c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

/** Pieces at least this long are kept as (sliced) strings instead of being copied. */
const MIN_PART = 48;

export class Out {
  private readonly parts: string[] = [];
  private buf: Uint16Array | undefined;
  private n = 0;
  /** length of everything appended so far */
  private total = 0;
  private splits: number[] | undefined;
  private cached: string | undefined;
  /** the first piece, kept as is until a second one arrives */
  private single: string | undefined;

  constructor(trackWords: boolean) {
    if (trackWords) this.splits = [];
  }

  /** Append `src[start, end)`; `splittable` text has its white space split words. */
  appendSlice(src: string, start: number, end: number, splittable: boolean): void {
    const len = end - start;
    if (len <= 0) return;
    this.cached = undefined;
    const splits = splittable ? this.splits : undefined;
    if (splits) {
      for (let i = start; i < end; i++) {
        if (isSpaceCode(src.charCodeAt(i))) splits.push(this.total + (i - start));
      }
    }
    const wasEmpty = this.total === 0;
    this.total += len;
    if (wasEmpty) {
      // a lone piece (the common case for `${v:-word}` words and quoted strings) is never copied
      this.single = start === 0 && end === src.length ? src : src.slice(start, end);
      return;
    }
    if (this.single !== undefined) {
      const first = this.single;
      this.single = undefined;
      this.store(first, 0, first.length);
    }
    this.store(src, start, end);
  }

  private store(src: string, start: number, end: number): void {
    const len = end - start;
    if (len >= MIN_PART) {
      this.flushBuf();
      this.parts.push(start === 0 && end === src.length ? src : src.slice(start, end));
      return;
    }
    let buf = this.buf;
    if (!buf) buf = this.buf = new Uint16Array(64);
    if (this.n + len > buf.length) {
      this.flushBuf();
      if (len > buf.length) {
        this.parts.push(src.slice(start, end));
        return;
      }
    }
    let n = this.n;
    for (let i = start; i < end; i++) buf[n++] = src.charCodeAt(i);
    this.n = n;
  }

  append(s: string, splittable: boolean): void {
    this.appendSlice(s, 0, s.length, splittable);
  }

  text(): string {
    if (this.single !== undefined) return this.single;
    if (this.cached === undefined) {
      this.flushBuf();
      this.cached = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    }
    return this.cached;
  }

  words(): string[] {
    const text = this.text();
    const words: string[] = [];
    let from = 0;
    for (const at of this.splits ?? []) {
      if (at > from) words.push(text.slice(from, at));
      from = at + 1;
    }
    if (text.length > from) words.push(text.slice(from));
    return words;
  }

  private flushBuf(): void {
    if (this.n > 0) {
      this.parts.push(String.fromCharCode.apply(null, this.buf!.subarray(0, this.n) as unknown as number[]));
      this.n = 0;
    }
  }
}
