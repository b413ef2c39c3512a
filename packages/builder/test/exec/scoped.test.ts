/**
 * The kernel's openat2(RESOLVE_IN_ROOT) through the addon and the JS walk resolve alike: the same
 * answer for every path of a tree full of hostile links (the walk is the fallback and the reference).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveInRoot, type ScopedOptions } from '@tsbuild/layerstore';
import { sysAddon } from '@tsbuild/sys';

/** the JS walk alone: the fallback and the reference */
const walk = (r: string, p: string, opts: ScopedOptions = {}) => resolveInRoot(r, p, { ...opts, kernel: false });

const root = mkdtempSync('/var/tmp/tsbuild-scoped-kernel-');
afterAll(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, 'a/b/c'), { recursive: true });
writeFileSync(join(root, 'a/file'), '');
symlinkSync('/', join(root, 'hostroot'));
symlinkSync('/etc', join(root, 'etc-abs'));
symlinkSync('../../../../../../a/b', join(root, 'a/up'));
symlinkSync('b', join(root, 'a/rel'));
symlinkSync('/a/b', join(root, 'abs-in'));
symlinkSync('loop2', join(root, 'loop1'));
symlinkSync('loop1', join(root, 'loop2'));
symlinkSync('/proc/self/root', join(root, 'magic'));

const PATHS = [
  '', '/', 'hostroot', '/hostroot/a', 'hostroot/etc/passwd', 'etc-abs', '/a/up', '/a/up/c', '/a/up/../../..', '../../a/b',
  '/abs-in/c', '/a/rel/c', '/nope/x/../y', '/nope/../hostroot/a', 'a/file', 'a/file/x', 'magic', 'magic/etc', 'a/b/c/../../../..',
];

describe('openat2(RESOLVE_IN_ROOT) and the JS walk', () => {
  const kernel = sysAddon()?.resolveInRoot; // loads it: resolveInRoot uses it from then on
  it.runIf(kernel)('answer the same for every path, following the last link or not', () => {
    for (const p of PATHS) {
      for (const followLast of [true, false]) {
        expect([p, followLast, resolveInRoot(root, p, { followLast })]).toEqual([p, followLast, walk(root, p, { followLast })]);
      }
    }
    // the kernel answered these itself (no fallback): '' is root
    expect(kernel!(root, '/hostroot/a', true)).toBe('/a');
    expect(kernel!(root, '/a/up/c', true)).toBe('/a/b/c');
    // a magic link is refused by the kernel (RESOLVE_NO_MAGICLINKS) and re-rooted by the walk
    expect(typeof kernel!(root, 'magic/etc', true)).toBe('number');
    expect(resolveInRoot(root, 'magic/etc')).toBe(`${root}/proc/self/root/etc`);
  });

  it('a loop is ELOOP either way', () => {
    expect(() => resolveInRoot(root, '/loop1/x')).toThrow(expect.objectContaining({ code: 'ELOOP' }));
  });
});
