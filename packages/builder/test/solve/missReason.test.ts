import { describe, expect, it } from 'vitest';
import { firstChange } from '../../src/solve/missReason.js';

describe('firstChange', () => {
  it('names the first changed input', () => {
    const old: [string, string][] = [['instruction', 'RUN x'], ['ARG VERSION', '1'], ['ENV A', 'a']];
    expect(firstChange(old, [['instruction', 'RUN x'], ['ARG VERSION', '2'], ['ENV A', 'b']])).toBe('ARG VERSION changed');
    expect(firstChange(old, old)).toBeUndefined();
    expect(firstChange(old, [['instruction', 'RUN y'], ['ARG VERSION', '1']])).toBe('instruction changed');
  });
  it('phrases file changes with the instruction', () => {
    const old: [string, string][] = [['instruction', 'COPY src/'], ['file src/app.ts', 'a'], ['file src/b.ts', 'b']];
    expect(firstChange(old, [['instruction', 'COPY src/'], ['file src/app.ts', 'c'], ['file src/b.ts', 'b']])).toBe('COPY src/: src/app.ts changed');
    expect(firstChange(old, [['instruction', 'COPY src/'], ['file src/app.ts', 'a']])).toBe('COPY src/: src/b.ts removed');
    expect(firstChange(old, [...old, ['file src/c.ts', 'x']])).toBe('COPY src/: src/c.ts added');
  });
});
