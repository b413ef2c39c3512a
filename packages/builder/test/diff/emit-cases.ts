/**
 * Edge cases for the layer writer, as change lists: the golden digests in emit-golden.test.ts are
 * the bytes the tar-stream-based writer produced (main before the own tar module) for these very
 * lists, so a change to the encoder that moves a byte of any layer fails there.
 * Only files and symlinks touch the disk; everything else is synthetic stat data.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Change, FileMeta } from '../../src/diff/emit.js';

const T = 1_700_000_000_000;

function meta(over: Partial<FileMeta> = {}): FileMeta {
  return { mode: 0o100644, uid: 0, gid: 0, size: 0, mtimeMs: T, nlink: 1, dev: 1, ino: 1, rdev: 0, ...over };
}

const seg = (c: string, n: number) => c.repeat(n);

/** name → change list; `dir` is an empty scratch directory for the few real files */
export function emitCases(dir: string): Record<string, Change[]> {
  let n = 0;
  const file = (content: string | Buffer, over: Partial<FileMeta> = {}): { host: string; st: FileMeta } => {
    const host = join(dir, `f${n++}`);
    writeFileSync(host, content);
    const size = Buffer.byteLength(content);
    return { host, st: meta({ size, ino: 1000 + n, ...over }) };
  };
  const link = (target: string | Buffer): { host: string; st: FileMeta } => {
    const host = join(dir, `l${n++}`);
    symlinkSync(target, host);
    return { host, st: meta({ mode: 0o120777, ino: 1000 + n }) };
  };
  const d = (path: string, over: Partial<FileMeta> = {}): Change => ({ path, kind: 'dir', host: dir, st: meta({ mode: 0o40755, ...over }) });
  mkdirSync(dir, { recursive: true });

  const name100 = seg('a', 100);
  const name101split = `${seg('p', 50)}/${seg('n', 100)}`;
  const prefix155 = `${seg('p', 155)}/${seg('n', 100)}`;
  const prefix156 = `${seg('p', 156)}/${seg('n', 100)}`;
  const over255 = `${seg('d', 120)}/${seg('e', 120)}/${seg('f', 120)}`;
  const noSlash101 = seg('x', 101);
  const ff = Buffer.from('caf\xe9-\xff', 'latin1').toString('latin1');

  return {
    plain: [d('etc'), { path: 'etc/hosts', kind: 'file', ...file('127.0.0.1 localhost\n') }, { path: 'etc/link', kind: 'symlink', ...link('hosts') }],
    'name-100': [{ path: name100, kind: 'file', ...file('x') }, d(seg('b', 99))],
    'name-prefix-split': [{ path: name101split, kind: 'file', ...file('y') }, { path: prefix155, kind: 'file', ...file('z') }],
    'name-prefix-156': [{ path: prefix156, kind: 'file', ...file('q') }, d(prefix156)],
    'name-over-255': [{ path: over255, kind: 'file', ...file('long') }, d(over255), { path: noSlash101, kind: 'file', ...file('') }],
    'name-utf8': [{ path: 'café/日本語.txt', kind: 'file', ...file('utf8') }, d('café')],
    'name-not-utf8': [
      // a \xff byte in a name: the name decodes losslessly to a lone surrogate (util/bytesName.ts)
      { path: 'bad\udcffname', kind: 'file', ...file('raw') },
      { path: 'dir\udcff', kind: 'dir', host: dir, st: meta({ mode: 0o40755 }) },
    ],
    'link-long': [{ path: 'l1', kind: 'symlink', ...link(seg('t', 100)) }, { path: 'l2', kind: 'symlink', ...link(seg('t', 101)) }, { path: 'l3', kind: 'symlink', ...link(`/${seg('u/', 150)}end`) }],
    'link-utf8': [{ path: 'lu', kind: 'symlink', ...link('naïve-ziel') }],
    'link-not-utf8': [{ path: 'lx', kind: 'symlink', ...link(Buffer.from(ff, 'latin1')) }],
    'ids-big': [
      { path: 'u1', kind: 'file', ...file('u', { uid: 0o777777, gid: 0o777777 }) },
      { path: 'u2', kind: 'file', ...file('u', { uid: 0o777777 + 1, gid: 5 }) },
      { path: 'u3', kind: 'file', ...file('u', { uid: 2097152, gid: 4294967294 }) },
      { path: 'u4', kind: 'dir', host: dir, st: meta({ mode: 0o40700, uid: 100000, gid: 3000000 }) },
      { path: seg('w/', 80) + 'deep', kind: 'file', ...file('w', { uid: 300000 }) },
    ],
    devices: [
      { path: 'dev/null', kind: 'char', host: dir, st: meta({ mode: 0o20666, rdev: 0x103 }) },
      { path: 'dev/loop0', kind: 'block', host: dir, st: meta({ mode: 0o60660, rdev: 0x700, gid: 6 }) },
      // major 259, minor 65537: the glibc dev_t split over both halves
      { path: 'dev/nvme', kind: 'block', host: dir, st: meta({ mode: 0o60660, rdev: 0x10310301 }) },
      { path: 'run/fifo', kind: 'fifo', host: dir, st: meta({ mode: 0o10600 }) },
    ],
    hardlinks: [
      { path: 'a', kind: 'file', ...file('same', { nlink: 3, ino: 77 }) },
      { path: 'b', kind: 'file', host: join(dir, 'unused'), st: meta({ nlink: 3, ino: 77, size: 4 }) },
      { path: seg('h', 120), kind: 'file', host: join(dir, 'unused'), st: meta({ nlink: 3, ino: 77, size: 4 }) },
    ],
    modes: [
      { path: 'zero', kind: 'file', ...file('m', { mode: 0o100000 }) },
      { path: 'suid', kind: 'file', ...file('m', { mode: 0o106755 }) },
      { path: 'sticky', kind: 'dir', host: dir, st: meta({ mode: 0o41777 }) },
      { path: 'gone', kind: 'whiteout', host: dir, st: meta({ mode: 0o100000 }) },
      { path: 'opq', kind: 'opaque', host: dir, st: meta({ mode: 0o40750, uid: 7 }) },
    ],
    mtimes: [
      { path: 'm0', kind: 'file', ...file('0', { mtimeMs: 0 }) },
      { path: 'neg', kind: 'file', ...file('n', { mtimeMs: -86_400_000 }) },
      { path: 'frac', kind: 'file', ...file('f', { mtimeMs: 1_700_000_000_999.9 }) },
      { path: 'y2038', kind: 'file', ...file('y', { mtimeMs: 0x7fffffff * 1000 }) },
      { path: 'y2039', kind: 'file', ...file('y', { mtimeMs: (0x7fffffff + 1) * 1000 }) },
      { path: 'y2300', kind: 'dir', host: dir, st: meta({ mode: 0o40755, mtimeMs: 10_413_792_000_000 }) },
    ],
    sizes: [
      { path: 'empty', kind: 'file', ...file('') },
      { path: 'b511', kind: 'file', ...file(seg('5', 511)) },
      { path: 'b512', kind: 'file', ...file(seg('6', 512)) },
      { path: 'b16k', kind: 'file', ...file(seg('k', 16 * 1024 + 1)) },
      { path: 'b256k', kind: 'file', ...file(seg('m', 256 * 1024)) },
      // past the small-file limit: streamed
      { path: 'b300k', kind: 'file', ...file(seg('s', 300 * 1024 + 3)) },
    ],
  };
}

/** Change lists written with SOURCE_DATE_EPOCH (clamped mtimes). */
export const EPOCH_CASES: Record<string, number> = { plain: 1_600_000_000, mtimes: 0, 'ids-big': 2_000_000_000 };
