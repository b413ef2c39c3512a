/**
 * Small files created on worker threads (extract.ts + writepool.ts) give exactly the tree that
 * creating everything in tar order on one thread gives: same types, modes, owners, mtimes, bodies,
 * hardlinks, xattrs, whiteouts, device nodes; same errors (codes) for unsafe and bad input; and
 * nothing is written into the destination after a failed extraction has returned.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { lstatSync, type BigIntStats, readFileSync, readdirSync, readlinkSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { extractTar } from '@tsbuild/layerstore';
import { readAllXattrs } from '@tsbuild/sys';
import { makeTar, T0, type TarEntry } from '../../packages/layerstore/test/helpers.js';

let dir: string;
beforeAll(() => {
  dir = execFileSync('mktemp', ['-d', '/var/tmp/ls-par-XXXXXX'], { encoding: 'utf8' }).trim();
});
afterAll(() => execFileSync('rm', ['-rf', dir]));

let seq = 0;
/** the tar in small chunks, so bodies and headers straddle chunk boundaries */
const stream = (buf: Buffer, chunk = 7000) => Readable.from((function* () {
  for (let i = 0; i < buf.length; i += chunk) yield buf.subarray(i, i + chunk);
})());

type Way = { writers: number; writerThreshold?: number };
const SERIAL: Way = { writers: 0 };
const PARALLEL: Way[] = [{ writers: 1, writerThreshold: 0 }, { writers: 3, writerThreshold: 0 }, { writers: 2, writerThreshold: 5 }];

async function extractWith(tar: Buffer, way: Way, mode: 'overlay' | 'flatten', prepare?: (d: string) => void, lowers: string[] = []): Promise<string> {
  const d = join(dir, `x${seq++}`);
  mkdirSync(d);
  prepare?.(d);
  await extractTar(stream(tar), d, { mode, lowers: async () => lowers, ...way });
  return d;
}

/**
 * Every path with everything the extractor promises to keep; hardlinks as "same inode as <first
 * path>"; mtimes in ns, except for `timeless` paths (made at extraction time: implicit parent dirs,
 * whiteout devices) and when `noTimes` (compared apart with GNU tar, which keeps ns).
 */
async function tree(root: string, timeless: (rel: string, st: BigIntStats) => boolean = () => false, noTimes = false): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const inodes = new Map<bigint, string>();
  const paths: string[] = [];
  const list = (rel: string) => {
    for (const n of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      paths.push(r);
      if (lstatSync(join(root, r)).isDirectory()) list(r);
    }
  };
  list('');
  const all = await readAllXattrs(paths.map((r) => join(root, r)));
  const xattrs = new Map(paths.map((r, i) => [join(root, r), all[i]!]));
  const walk = (rel: string) => {
    for (const n of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      const p = join(root, r);
      const st = lstatSync(p, { bigint: true });
      const x = [...xattrs.get(p)!].map(([k, v]) => `${k}=${v.toString('hex')}`).sort().join(',');
      const mtime = noTimes || timeless(r, st) ? '-' : st.mtimeNs;
      const meta = `${(st.mode & 0o7777n).toString(8)} ${st.uid}:${st.gid} ${mtime} [${x}]`;
      if (st.isDirectory()) {
        out[r] = `dir ${meta}`;
        walk(r);
      } else if (st.isSymbolicLink()) out[r] = `symlink ${meta} -> ${readlinkSync(p)}`;
      else if (st.isFile()) {
        const first = inodes.get(st.ino);
        if (first === undefined) inodes.set(st.ino, r);
        out[r] = `file ${meta} nlink=${st.nlink} ${first ? `= ${first}` : createHash('sha256').update(readFileSync(p)).digest('hex')}`;
      } else out[r] = `${st.isFIFO() ? 'fifo' : st.isCharacterDevice() ? 'chr' : 'blk'} ${meta} ${st.rdev}`;
    }
  };
  walk('');
  const top = lstatSync(root, { bigint: true });
  out['.'] = `dir ${(top.mode & 0o7777n).toString(8)} ${top.uid}:${top.gid} ${noTimes ? '-' : top.mtimeNs}`;
  return out;
}

/** only the differing paths, so a failure shows what differs */
function diff(a: Record<string, string>, b: Record<string, string>): Record<string, [string | undefined, string | undefined]> {
  const out: Record<string, [string | undefined, string | undefined]> = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) if (a[k] !== b[k]) out[k] = [a[k], b[k]];
  return out;
}

/** paths the tar does not describe (so made "now"), and whiteout devices */
const timelessFor = (entries: TarEntry[]) => {
  const named = new Set(entries.map((e) => e.name.replace(/^\.\//, '').replace(/\/$/, '')));
  return (rel: string, st: BigIntStats) => !named.has(rel) || (st.isCharacterDevice() && st.rdev === 0n);
};

const t = (s: number) => new Date(T0.getTime() + s * 1000 + (s % 7) * 3);

/** a layer with something of every kind, and small files enough to fill several batches */
function mixed(): TarEntry[] {
  const e: TarEntry[] = [{ name: './', type: 'directory', mode: 0o755, mtime: t(1) }];
  for (let d = 0; d < 6; d++) {
    e.push({ name: `d${d}/`, type: 'directory', mode: [0o755, 0o700, 0o2775, 0o1777, 0o750, 0o555][d]!, uid: d * 100, gid: d === 2 ? 50 : 0, mtime: t(d) });
    for (let f = 0; f < 150; f++) {
      const mode = [0o644, 0o755, 0o600, 0o4755, 0o2711, 0o444, 0o640][f % 7]!;
      const owner = f % 5 === 0 ? { uid: 1000 + f, gid: 2000 + d } : {};
      e.push({ name: `d${d}/f${f}`, content: f % 13 === 0 ? '' : `${d}/${f} `.repeat((f * 37) % 400), mode, mtime: t(f), ...owner });
    }
  }
  e.push(
    { name: 'd0/big', content: Buffer.alloc(900 << 10, 7), mode: 0o644 }, // past the small-file size: written on the main thread
    { name: 'd0/after-big', content: 'x' },
    { name: 'd0/pre1970', content: 'a small file from before 1970', mtime: new Date(0), pax: { mtime: '-86400' } }, // Node takes negative seconds for "now"
    { name: 'implicit/deeper/file', content: 'parent dirs not listed' },
    { name: 'd1/sym', type: 'symlink', linkname: 'f1', mtime: t(3) },
    { name: 'd1/abs', type: 'symlink', linkname: '/etc/passwd' },
    { name: 'd1/hard-to-queued', type: 'link', linkname: 'd1/f2' },
    { name: 'd1/hard-to-hard', type: 'link', linkname: 'd1/hard-to-queued' },
    { name: 'd2/xattr', content: 'with xattrs', pax: { 'SCHILY.xattr.user.note': 'hello', 'SCHILY.xattr.user.other': 'x' } },
    { name: 'd2/dup', content: 'first version' },
    { name: 'd2/dup', content: 'second version, wins', mode: 0o600 },
    { name: 'd3/was-file', content: 'becomes a dir' },
    { name: 'd3/was-file/', type: 'directory', mode: 0o711 },
    { name: 'd3/was-file/inside', content: 'in the new dir' },
    { name: 'd4/was-dir/', type: 'directory' },
    { name: 'd4/was-dir/child', content: 'queued, then its dir is replaced' },
    { name: 'd4/was-dir', content: 'a file now' },
    { name: 'd5/fifo', type: 'fifo', mode: 0o640 },
    { name: 'd5/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
    { name: 'd5/f7', content: 'duplicate of a queued file, far from the first one' },
  );
  for (let f = 0; f < 40; f++) e.push({ name: `tail/f${f}`, content: `tail ${f}` });
  return e;
}

/** whiteouts over files this same layer queued */
const whiteouts: TarEntry[] = [
  { name: 'w/', type: 'directory' },
  ...Array.from({ length: 30 }, (_, i): TarEntry => ({ name: `w/f${i}`, content: `w${i}` })),
  { name: 'w/.wh.f3', content: '' },
  { name: 'w/sub/', type: 'directory' },
  { name: 'w/sub/x', content: 'x' },
  { name: 'w/.wh.sub', content: '' },
  { name: 'o/', type: 'directory' },
  { name: 'o/a', content: 'a' },
  { name: 'o/.wh..wh..opq', content: '' },
  { name: 'o/b', content: 'b' },
];

describe('small files on worker threads: same tree as one thread', () => {
  for (const mode of ['overlay', 'flatten'] as const) {
    it(`${mode}: every kind of entry, several batches, duplicates, hardlinks to queued files`, async () => {
      const entries = mixed();
      const tar = await makeTar(entries);
      const timeless = timelessFor(entries);
      const want = await tree(await extractWith(tar, SERIAL, mode), timeless);
      expect(Object.keys(want).length).toBeGreaterThan(900);
      expect(want['d2/dup']).toMatch(/^file 600 /);
      expect(want['d0/pre1970']).toContain(' -86400000000000 ');
      expect(want['d1/hard-to-hard']).toMatch(/nlink=3 = d1\/f2$/);
      for (const way of PARALLEL) expect(diff(await tree(await extractWith(tar, way, mode), timeless), want), JSON.stringify(way)).toEqual({});
    });

    it(`${mode}: whiteouts and opaque dirs over files the layer queued`, async () => {
      const tar = await makeTar(whiteouts);
      const lower = await extractWith(await makeTar([{ name: 'o/', type: 'directory' }, { name: 'o/lower', content: 'l' }, { name: 'w/', type: 'directory' }, { name: 'w/f4', content: 'lower' }]), SERIAL, 'overlay');
      const prep = (d: string) => {
        if (mode === 'flatten') execFileSync('cp', ['-a', `${lower}/.`, d]);
      };
      const timeless = timelessFor(whiteouts);
      const want = await tree(await extractWith(tar, SERIAL, mode, prep, [lower]), timeless);
      if (mode === 'overlay') expect(want['w/f3']).toMatch(/^chr /);
      else expect(want['w/f3']).toBeUndefined();
      for (const way of PARALLEL) expect(diff(await tree(await extractWith(tar, way, mode, prep, [lower]), timeless), want), JSON.stringify(way)).toEqual({});
    });
  }

  it('a real tar of 3,000 files (GNU pax headers) matches tar -xpf, crossing the default threshold', async () => {
    const src = join(dir, 'src');
    for (let d = 0; d < 30; d++) {
      mkdirSync(join(src, `d${d}`), { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(join(src, `d${d}`, `f${f}`), `${d}:${f}`.repeat(f + 1), { mode: f % 2 ? 0o755 : 0o640 });
    }
    const file = join(dir, 'many.tar');
    execFileSync('tar', ['--format=pax', '-C', src, '-cf', file, '.']);
    const ref = join(dir, 'ref');
    mkdirSync(ref);
    execFileSync('tar', ['--numeric-owner', '-xpf', file, '-C', ref]);
    const ours = await (async () => {
      const d = join(dir, 'ours');
      mkdirSync(d);
      await extractTar(stream(readFileSync(file), 1 << 20), d, { mode: 'overlay' }); // default writers and threshold
      return d;
    })();
    expect(diff(await tree(ours, undefined, true), await tree(ref, undefined, true))).toEqual({});
    // GNU tar keeps nanoseconds; we keep milliseconds, and land exactly on them (snapshots/utime.ts:
    // Node's seconds-as-a-double, truncated by libuv, put x.836 s at x.835999 s, a millisecond early)
    const late: string[] = [];
    const walk = (rel: string) => {
      for (const n of readdirSync(join(ref, rel))) {
        const r = rel ? `${rel}/${n}` : n;
        const a = lstatSync(join(ours, r), { bigint: true }).mtimeNs;
        const b = lstatSync(join(ref, r), { bigint: true }).mtimeNs;
        if (a !== b - (b % 1_000_000n)) late.push(`${r}: ${a} vs ${b}`);
        if (lstatSync(join(ref, r)).isDirectory()) walk(r);
      }
    };
    walk('');
    expect(late).toEqual([]);
  });
});

describe('small files on worker threads: same errors, nothing touched outside', () => {
  it('a create that fails in a worker fails the extraction (same code as one thread) and nothing is written afterwards', async () => {
    const entries: TarEntry[] = [{ name: 'a/', type: 'directory' }, ...Array.from({ length: 500 }, (_, i): TarEntry => ({ name: `a/f${i}`, content: 'x'.repeat(100) }))];
    const tar = await makeTar(entries);
    const codes: string[] = [];
    for (const way of [SERIAL, ...PARALLEL]) {
      const d = join(dir, `e${seq++}`);
      mkdirSync(join(d, 'a'), { recursive: true });
      writeFileSync(join(d, 'a', 'f250'), 'already here'); // O_EXCL → EEXIST
      const err = await extractTar(stream(tar), d, { mode: 'overlay', ...way }).then(() => undefined, (e: { code?: string }) => e);
      codes.push(String(err?.code));
      const n = readdirSync(join(d, 'a')).length;
      await new Promise((r) => setTimeout(r, 200));
      expect(readdirSync(join(d, 'a')).length, 'no worker writes after the failure').toBe(n);
    }
    expect(codes).toEqual(codes.map(() => 'E_BAD_ARCHIVE'));
  });

  for (const mode of ['overlay', 'flatten'] as const) {
    it(`${mode}: a listed dir later replaced (by a symlink out, by a file, by a whiteout) does not get its mtime set at the end`, async () => {
      const outside = join(dir, `outside${seq++}`);
      mkdirSync(outside);
      const before = lstatSync(outside, { bigint: true }).mtimeNs;
      const tar = await makeTar([
        { name: 'a/', type: 'directory', mtime: new Date(0) },
        { name: 'a', type: 'symlink', linkname: outside },
        { name: 'b/', type: 'directory', mtime: new Date(0) },
        { name: 'b', content: 'a file now', mtime: T0 },
        { name: 'c/', type: 'directory' },
        { name: 'c/d/', type: 'directory', mtime: new Date(0) },
        { name: '.wh.c', content: '' },
      ]);
      for (const way of [SERIAL, ...PARALLEL]) {
        const d = await extractWith(tar, way, mode);
        expect(lstatSync(outside, { bigint: true }).mtimeNs).toBe(before);
        expect(lstatSync(join(d, 'b')).mtimeMs).toBe(T0.getTime());
      }
    });
  }

  const unsafe: [string, TarEntry[]][] = [
    ['a queued file used as a parent dir', [{ name: 'a/', type: 'directory' }, { name: 'a/f', content: 'x' }, { name: 'a/f/escaped', content: 'x' }]],
    ['a dir with queued files replaced by a symlink, then written below', [
      { name: 'a/', type: 'directory' }, { name: 'a/b/', type: 'directory' }, { name: 'a/b/ok', content: 'x' },
      { name: 'a', type: 'symlink', linkname: '..' }, { name: 'a/b/escaped', content: 'x' },
    ]],
    ['a hardlink through a queued file', [{ name: 'f', content: 'x' }, { name: 'h', type: 'link', linkname: 'f/x' }]],
  ];
  for (const mode of ['overlay', 'flatten'] as const) {
    for (const [what, entries] of unsafe) {
      it(`${mode}: ${what} gives the same error as one thread, nothing outside`, async () => {
        const tar = await makeTar([...Array.from({ length: 20 }, (_, i): TarEntry => ({ name: `pad${i}`, content: 'p' })), ...entries]);
        const codes: string[] = [];
        for (const way of [SERIAL, ...PARALLEL]) {
          const d = join(dir, `u${seq++}`, 'snap');
          mkdirSync(d, { recursive: true });
          const err = await extractTar(stream(tar), d, { mode, ...way }).then(() => undefined, (e: { code?: string }) => e);
          codes.push(String(err?.code));
          expect(existsSync(join(d, '..', 'escaped'))).toBe(false);
        }
        expect(new Set(codes).size, codes.join(' ')).toBe(1);
        expect(codes[0]).toMatch(/^E_/);
      });
    }
  }
});
