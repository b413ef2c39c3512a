/**
 * Splits text into lines the way BuildKit's `bufio.Scanner` with `scanLines` does: every token keeps its
 * `\n` (the last one may lack it). A line longer than the scanner's 64 KiB token limit stops the scan,
 * like `bufio.ErrTooLong`.
 */
export const MAX_TOKEN_BYTES = 64 * 1024;

export interface ScannedLines {
  lines: string[];
  /** set when a line exceeded the limit: the scan ended before it */
  tooLong: boolean;
}

const byteLength = (s: string): number => (s.length * 3 <= MAX_TOKEN_BYTES ? s.length : Buffer.byteLength(s, 'utf8'));

export function scanLines(text: string): ScannedLines {
  const lines: string[] = [];
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl + 1;
    const line = text.slice(pos, end);
    if (byteLength(line) > MAX_TOKEN_BYTES) return { lines, tooLong: true };
    lines.push(line);
    pos = end;
  }
  return { lines, tooLong: false };
}

/** Go `bytes.TrimRight(s, "\r\n")` */
export function trimNewline(s: string): string {
  let j = s.length;
  while (j > 0 && (s[j - 1] === '\n' || s[j - 1] === '\r')) j--;
  return j === s.length ? s : s.slice(0, j);
}
