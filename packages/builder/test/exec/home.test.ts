import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withHome } from '../../src/exec/home.js';

const root = mkdtempSync(join(tmpdir(), 'tsbuild-home-'));
mkdirSync(join(root, 'etc'));
writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

describe('withHome (runc prepareEnv)', () => {
  it('adds the user\'s HOME when unset or empty, keeps a set one', () => {
    expect(withHome(['PATH=/bin'], root, 1000)).toEqual(['PATH=/bin', 'HOME=/home/app']);
    expect(withHome(['HOME=', 'PATH=/bin'], root, 0)).toEqual(['PATH=/bin', 'HOME=/root']);
    expect(withHome(['HOME=/x', 'PATH=/bin'], root, 0)).toEqual(['HOME=/x', 'PATH=/bin']);
    expect(withHome([], root, 4242)).toEqual(['HOME=/']);
  });
  it('keeps the last value of a name given twice, at its place', () => {
    expect(withHome(['A=1', 'B=2', 'A=3', 'HOME=/h'], root, 0)).toEqual(['B=2', 'A=3', 'HOME=/h']);
  });
  it('refuses a variable without a name or with a NUL (the step fails, E_EXEC_FAILED)', () => {
    expect(codeOf(() => withHome(['=x'], root, 0))).toBe('E_EXEC_FAILED');
    expect(codeOf(() => withHome(['A=a\0b'], root, 0))).toBe('E_EXEC_FAILED');
    expect(codeOf(() => withHome(['A'], root, 0))).toBe('E_EXEC_FAILED');
  });
});
