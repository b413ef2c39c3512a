/** The scoped resolver: openat2(RESOLVE_IN_ROOT) semantics on a tree full of hostile links. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanAbs, escapesRoot, fileName, isWithin, parentsAreDirs, resolveInRoot, safeEntryName } from '../../src/fs/scoped.js';

const root = mkdtempSync('/var/tmp/tsbuild-scoped-');
afterAll(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, 'a/b'), { recursive: true });
writeFileSync(join(root, 'a/file'), '');
symlinkSync('/', join(root, 'hostroot'));
symlinkSync('/etc', join(root, 'etc-abs'));
symlinkSync('../../../../../../etc', join(root, 'a/up'));
symlinkSync('b', join(root, 'a/rel'));
symlinkSync('/a/b', join(root, 'abs-in'));
symlinkSync('loop2', join(root, 'loop1'));
symlinkSync('loop1', join(root, 'loop2'));
symlinkSync('/missing/deeper', join(root, 'dangling'));

describe('resolveInRoot', () => {
  const r = (p: string, followLast?: boolean) => resolveInRoot(root, p, { followLast });
  it('absolute link targets are re-rooted, `..` is clamped at the root', () => {
    expect(r('/hostroot')).toBe(root);
    expect(r('hostroot/etc/passwd')).toBe(`${root}/etc/passwd`);
    expect(r('/etc-abs/shadow')).toBe(`${root}/etc/shadow`);
    expect(r('/a/up/x')).toBe(`${root}/etc/x`);
    expect(r('../../../../a/b')).toBe(`${root}/a/b`);
    expect(r('/a/b/../../../..')).toBe(root);
    expect(r('/abs-in/c')).toBe(`${root}/a/b/c`);
    expect(r('/a/rel/c')).toBe(`${root}/a/b/c`);
  });
  it('missing components are kept, links beyond them resolved when `..` climbs back', () => {
    expect(r('/nope/x/../y')).toBe(`${root}/nope/y`);
    expect(r('/nope/../hostroot/z')).toBe(`${root}/z`);
    expect(r('/dangling/z')).toBe(`${root}/missing/deeper/z`);
    expect(r('/a/file/below')).toBe(`${root}/a/file/below`);
  });
  it('followLast: false answers the link itself', () => {
    expect(r('/hostroot', false)).toBe(`${root}/hostroot`);
    expect(r('/a/rel', false)).toBe(`${root}/a/rel`);
    expect(r('/abs-in/x', false)).toBe(`${root}/a/b/x`);
  });
  it('a loop is ELOOP', () => {
    expect(() => r('/loop1/x')).toThrow(expect.objectContaining({ code: 'ELOOP' }));
  });
  it('every answer is inside the root', () => {
    for (const p of ['/hostroot', '/a/up', '/a/up/../..', '..', '/etc-abs/../../..', 'dangling/../../..']) expect(isWithin(root, r(p))).toBe(true);
  });
});

describe('lexical checks', () => {
  it('fileName: one component after cleaning, as BuildKit Mkfile(join("/", name))', () => {
    expect(fileName('x', 'n')).toBe('x');
    expect(fileName('../x', 'n')).toBe('x');
    for (const bad of ['a/b', '../../tmp/x', '..', '.', '', '/', 'a\0b']) expect(() => fileName(bad, 'n')).toThrow(expect.objectContaining({ code: 'E_UNSAFE_PATH' }));
  });
  it('escapesRoot, cleanAbs, safeEntryName', () => {
    expect(escapesRoot('../x')).toBe(true);
    expect(escapesRoot('a/../../x')).toBe(true);
    expect(escapesRoot('a/../x')).toBe(false);
    expect(cleanAbs('a/../../b/')).toBe('/b');
    expect(safeEntryName('./a/b/')).toBe('a/b');
    expect(() => safeEntryName('a/../../x')).toThrow(expect.objectContaining({ code: 'E_UNSAFE_PATH' }));
    expect(() => safeEntryName('/etc/passwd')).toThrow(expect.objectContaining({ code: 'E_UNSAFE_PATH' }));
  });
  it('parentsAreDirs: false through a link or a missing dir', () => {
    expect(parentsAreDirs(root, 'a/b/x')).toBe(true);
    expect(parentsAreDirs(root, 'hostroot/etc')).toBe(false);
    expect(parentsAreDirs(root, 'nope/x')).toBe(false);
    expect(parentsAreDirs(root, 'x')).toBe(true);
  });
});
