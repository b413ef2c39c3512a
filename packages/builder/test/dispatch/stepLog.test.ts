import { describe, expect, it } from 'vitest';
import { DEFAULT_STEP_LOG_MAX_SIZE, StepLog, formatLimit, stepLogLimit } from '../../src/dispatch/stepLog.js';

function collect(limit?: number) {
  const got: [string, string][] = [];
  const log = new StepLog((s, t) => got.push([s, t]), limit);
  return { got, log, text: () => got.map(([, t]) => t).join('') };
}

describe('a RUN step\'s log', () => {
  it('passes output through until the limit, then says it is clipped once, as BuildKit', () => {
    const { log, got, text } = collect(10);
    log.write('stdout', Buffer.from('12345\n'));
    log.write('stderr', Buffer.from('abc'));
    log.write('stdout', Buffer.from('this chunk is over the limit\n'));
    log.write('stdout', Buffer.from('and nothing after it\n'));
    expect(text()).toBe('12345\nabc\n[output clipped, log limit 10B reached]\n');
    expect(got.map(([s]) => s)).toEqual(['stdout', 'stderr', 'stdout']);
  });

  it('returns every chunk\'s text to the caller (the failure tail), clipped or not', () => {
    const { log } = collect(4);
    expect(log.write('stdout', Buffer.from('ab'))).toBe('ab');
    expect(log.write('stdout', Buffer.from('cdefgh'))).toBe('cdefgh');
    expect(log.write('stdout', Buffer.from('last line\n'))).toBe('last line\n');
  });

  it('keeps a UTF-8 character split across two reads whole, per stream', () => {
    const { log, text } = collect(-1);
    const euro = Buffer.from('€', 'utf8');
    log.write('stdout', euro.subarray(0, 1));
    log.write('stderr', Buffer.from('x'));
    log.write('stdout', euro.subarray(1));
    expect(text()).toBe('x€');
  });

  it('reads BUILDKIT_STEP_LOG_MAX_SIZE like buildkitd: bytes, -1 for no limit, 2 MiB by default', () => {
    expect(stepLogLimit({})).toBe(DEFAULT_STEP_LOG_MAX_SIZE);
    expect(DEFAULT_STEP_LOG_MAX_SIZE).toBe(2 * 1024 * 1024);
    expect(stepLogLimit({ BUILDKIT_STEP_LOG_MAX_SIZE: '1048576' })).toBe(1048576);
    expect(stepLogLimit({ BUILDKIT_STEP_LOG_MAX_SIZE: '-1' })).toBe(-1);
    expect(stepLogLimit({ BUILDKIT_STEP_LOG_MAX_SIZE: 'lots' })).toBe(DEFAULT_STEP_LOG_MAX_SIZE);
    expect(formatLimit(2 * 1024 * 1024)).toBe('2MiB');
    expect(formatLimit(1536)).toBe('1.5KiB');
  });
});
