import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/progress/lines.js';

describe('LineSplitter', () => {
  it('splits lines across chunks and keeps the unfinished one', () => {
    const s = new LineSplitter();
    expect(s.push('a\nb')).toEqual(['a']);
    expect(s.push('c\n\nd')).toEqual(['bc', '']);
    expect(s.flush()).toBe('d');
    expect(s.flush()).toBe('');
  });

  it('cuts a line longer than the cap into cap-long lines', () => {
    const s = new LineSplitter(4);
    expect(s.push('abcdefghij')).toEqual(['abcd', 'efgh']);
    expect(s.push('kl\nm')).toEqual(['ijkl']);
    expect(s.flush()).toBe('m');
  });

  it('is linear: 40 MB without a newline in 64 KiB chunks stays fast', () => {
    const s = new LineSplitter();
    const chunk = '\0'.repeat(64 * 1024);
    const t0 = Date.now();
    let lines = 0;
    for (let i = 0; i < 640; i++) lines += s.push(chunk).length;
    expect(lines).toBe((640 * 64 * 1024) / (16 * 1024) - 1);
    expect(s.flush().length).toBe(16 * 1024);
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});
