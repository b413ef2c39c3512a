import { describe, expect, it } from 'vitest';
import { goDuration, goQuoteSlice, goSlice } from '../../src/dispatch/goFormat.js';
import { portKeys } from '../../src/dispatch/expose.js';
import { resolveWorkdir } from '../../src/dispatch/workdir.js';

describe('Go renderings used in history', () => {
  it('formats like fmt', () => {
    expect(goQuoteSlice(['/bin/sh', '-c', 'echo "hi"'])).toBe('["/bin/sh" "-c" "echo \\"hi\\""]');
    expect(goSlice(['/bin/sh', '-xc'])).toBe('[/bin/sh -xc]');
    expect(goDuration(5e9)).toBe('5s');
    expect(goDuration(0)).toBe('0s');
    expect(goDuration(90e9)).toBe('1m30s');
    expect(goDuration(1.5e9)).toBe('1.5s');
    expect(goDuration(500e6)).toBe('500ms');
    expect(goDuration(3600e9)).toBe('1h0m0s');
  });
  it('normalises EXPOSE ports and WORKDIR paths', () => {
    expect(portKeys('80')).toEqual(['80/tcp']);
    expect(portKeys('53/UDP')).toEqual(['53/udp']);
    expect(portKeys('8000-8002')).toEqual(['8000/tcp', '8001/tcp', '8002/tcp']);
    expect(() => portKeys('abc')).toThrow();
    expect(resolveWorkdir(undefined, 'rel')).toBe('/rel');
    expect(resolveWorkdir('/a', 'b/../c/')).toBe('/a/c');
    // absolute: kept as written (BuildKit v0.8 and current alike: `WORKDIR /x/` → WorkingDir "/x/")
    expect(resolveWorkdir('/a', '/x/')).toBe('/x/');
    expect(resolveWorkdir('/a', '/x/./y')).toBe('/x/./y');
    expect(resolveWorkdir('/x/y/', '../z/')).toBe('/x/z');
  });
});
