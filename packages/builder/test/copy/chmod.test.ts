import { describe, expect, it } from 'vitest';
import { chmodMode, parseChmod } from '../../src/copy/chmod.js';
import { destinationOf } from '../../src/copy/applyCopy.js';

const sym = (s: string, mode: number, isDir = false) => chmodMode(parseChmod(s), mode, isDir);

describe('parseChmod', () => {
  it('octal up to 07777, including special bits', () => {
    expect(parseChmod('0755')).toMatchObject({ kind: 'octal', mode: 0o755 });
    expect(parseChmod('4755')).toMatchObject({ kind: 'octal', mode: 0o4755 });
    expect(parseChmod('0')).toMatchObject({ kind: 'octal', mode: 0 });
    for (const bad of ['10000', '64a', '8', '']) expect(() => parseChmod(bad), bad).toThrowError(expect.objectContaining({ code: 'E_CHMOD' }));
  });

  it('symbolic modes like chmod(1) / BSD setmode with umask 022 for who-less clauses', () => {
    expect(sym('u=rwx,go=rx', 0o600)).toBe(0o755);
    expect(sym('u+x,g-w', 0o664)).toBe(0o744);
    expect(sym('a-x', 0o755)).toBe(0o644);
    expect(sym('go=u-w', 0o664)).toBe(0o644);
    expect(sym('=r', 0o777)).toBe(0o444);
    expect(sym('+w', 0o444)).toBe(0o644); // umask 022 keeps g/o write off
    expect(sym('a+w', 0o444)).toBe(0o666);
    expect(sym('g+s', 0o755)).toBe(0o2755);
    expect(sym('u+s', 0o755)).toBe(0o4755);
    expect(sym('o+s', 0o755)).toBe(0o755); // set-id for "other" only is ignored
    expect(sym('+t', 0o755, true)).toBe(0o1755);
    expect(sym('a+X', 0o644)).toBe(0o644);
    expect(sym('a+X', 0o744)).toBe(0o755);
    expect(sym('a+X', 0o700, true)).toBe(0o711);
    expect(() => parseChmod('u*x')).toThrowError(expect.objectContaining({ code: 'E_CHMOD' }));
    expect(() => parseChmod('z+x')).toThrowError(expect.objectContaining({ code: 'E_CHMOD' }));
  });
});

describe('destinationOf', () => {
  it('is relative to WORKDIR; ".", "" and a trailing "/" mean a directory', () => {
    expect(destinationOf('foo', '/w')).toEqual({ path: '/w/foo', isDir: false });
    expect(destinationOf('.', '/w')).toEqual({ path: '/w', isDir: true });
    expect(destinationOf('', '/w')).toEqual({ path: '/w', isDir: true });
    expect(destinationOf('../x/', '/a/b')).toEqual({ path: '/a/x', isDir: true });
    expect(destinationOf('/abs', '/w')).toEqual({ path: '/abs', isDir: false });
    expect(destinationOf('/../../x', '/')).toEqual({ path: '/x', isDir: false });
  });
});
