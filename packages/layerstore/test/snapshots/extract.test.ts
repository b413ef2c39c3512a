import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { lstatSync, readFileSync, readdirSync, readlinkSync, existsSync, mkdirSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { extractTar } from '@tsbuild/layerstore';
import { getXattr, sys } from '@tsbuild/sys';
import { makeTar, tarStream, tempDir, T0, type TarEntry } from '../helpers.js';

let tmp: { dir: string; cleanup: () => void };
beforeEach(() => (tmp = tempDir()));
afterEach(() => tmp.cleanup());

async function apply(dir: string, entries: TarEntry[], mode: 'overlay' | 'flatten', lowers: string[] = []) {
  mkdirSync(dir, { recursive: true });
  return extractTar(tarStream(await makeTar(entries)), dir, { mode, lowers: async () => lowers });
}

/** path → "type mode uid:gid [target|content]" for a whole tree */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const n of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      const st = lstatSync(join(dir, r));
      const perm = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out[r] = `dir ${perm} ${st.uid}:${st.gid}`;
        walk(r);
      } else if (st.isSymbolicLink()) out[r] = `link ${readlinkSync(join(dir, r))}`;
      else if (st.isCharacterDevice()) out[r] = `chr ${st.rdev}`;
      else out[r] = `file ${perm} ${st.uid}:${st.gid} ${readFileSync(join(dir, r), 'utf8')}`;
    }
  };
  walk('');
  return out;
}

const base: TarEntry[] = [
  { name: 'etc/', type: 'directory' },
  { name: 'etc/keep', content: 'keep' },
  { name: 'etc/gone', content: 'gone' },
  { name: 'opt/', type: 'directory' },
  { name: 'opt/sub/', type: 'directory' },
  { name: 'opt/sub/a', content: 'a' },
  { name: 'var/', type: 'directory' },
  { name: 'var/old1', content: '1' },
  { name: 'var/old2', content: '2' },
];
const upper: TarEntry[] = [
  { name: 'etc/', type: 'directory' },
  { name: 'etc/.wh.gone', content: '' },
  { name: '.wh.opt', content: '' },
  { name: 'var/', type: 'directory', mode: 0o750 },
  { name: 'var/.wh..wh..opq', content: '' },
  { name: 'var/new', content: 'new' },
];

describe('whiteouts', () => {
  it('flatten: deleted file, deleted dir, opaque dir give exactly the right tree', async () => {
    const d = join(tmp.dir, 'flat');
    await apply(d, base, 'flatten');
    await apply(d, upper, 'flatten');
    expect(tree(d)).toEqual({
      etc: 'dir 755 0:0',
      'etc/keep': 'file 644 0:0 keep',
      var: 'dir 750 0:0',
      'var/new': 'file 644 0:0 new',
    });
  });

  it('overlay: whiteouts become 0/0 char devices and trusted.overlay.opaque=y, and overlayfs merges them right', async () => {
    const lower = join(tmp.dir, 'l');
    const up = join(tmp.dir, 'u');
    await apply(lower, base, 'overlay');
    await apply(up, upper, 'overlay', [lower]);
    expect(tree(up)).toEqual({
      etc: 'dir 755 0:0',
      'etc/gone': 'chr 0',
      opt: 'chr 0',
      var: 'dir 750 0:0',
      'var/new': 'file 644 0:0 new',
    });
    expect((await getXattr(join(up, 'var'), 'trusted.overlay.opaque'))?.toString()).toBe('y');
    expect(await getXattr(join(up, 'etc'), 'trusted.overlay.opaque')).toBeUndefined();
    // the real consumer: an overlay mount of the two snapshot dirs equals the flattened tree
    const merged = join(tmp.dir, 'm');
    mkdirSync(merged);
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${up}:${lower}`, merged]);
    try {
      expect(tree(merged)).toEqual({
        etc: 'dir 755 0:0',
        'etc/keep': 'file 644 0:0 keep',
        var: 'dir 750 0:0',
        'var/new': 'file 644 0:0 new',
      });
    } finally {
      execFileSync('umount', [merged]);
    }
  });
});

describe('metadata', () => {
  it('keeps modes, owners, mtimes (dirs too), symlinks, hardlinks, fifos, device nodes', async () => {
    const d = join(tmp.dir, 'm');
    await apply(d, [
      { name: './', type: 'directory', mode: 0o755 },
      { name: 'bin/', type: 'directory', mode: 0o711, uid: 5, gid: 6 },
      { name: 'bin/suid', content: '#!', mode: 0o4755, uid: 1000, gid: 1000 },
      { name: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' },
      { name: 'bin/hard', type: 'link', linkname: 'bin/suid' },
      { name: 'dev/', type: 'directory' },
      { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0, mode: 0o660, gid: 6 },
      { name: 'dev/pipe', type: 'fifo', mode: 0o600 },
      { name: 'tmp/', type: 'directory', mode: 0o1777 },
    ], 'flatten');
    const suid = lstatSync(join(d, 'bin/suid'));
    expect(suid.mode & 0o7777).toBe(0o4755);
    expect([suid.uid, suid.gid]).toEqual([1000, 1000]);
    expect(suid.mtimeMs).toBe(T0.getTime());
    expect(suid.nlink).toBe(2);
    expect(lstatSync(join(d, 'bin/hard')).ino).toBe(suid.ino);
    const bin = lstatSync(join(d, 'bin'));
    expect([bin.mode & 0o7777, bin.uid, bin.gid, bin.mtimeMs]).toEqual([0o711, 5, 6, T0.getTime()]);
    expect(readlinkSync(join(d, 'bin/sh'))).toBe('/bin/busybox');
    const nul = lstatSync(join(d, 'dev/null'));
    expect(nul.isCharacterDevice()).toBe(true);
    expect(nul.rdev).toBe(0x103);
    expect(nul.mode & 0o7777).toBe(0o666);
    const sda = lstatSync(join(d, 'dev/sda'));
    expect(sda.isBlockDevice()).toBe(true);
    expect(sda.rdev).toBe(0x800);
    expect(lstatSync(join(d, 'dev/pipe')).isFIFO()).toBe(true);
    expect(lstatSync(join(d, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(lstatSync(join(d, 'dev')).mtimeMs).toBe(T0.getTime());
  });

  it('restores binary xattrs (security.capability) from a GNU tar --xattrs archive', async () => {
    const src = join(tmp.dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'ping'), 'binary');
    // cap_net_raw+ep, vfs cap v2: bytes above 0x7f included
    const cap = Buffer.from('0100000200200000000000000000000000000000', 'hex');
    await sys()!.setxattrs([{ path: join(src, 'ping'), name: 'security.capability', value: cap }, { path: join(src, 'ping'), name: 'user.note', value: Buffer.from([0xff, 0x00, 0x80]) }]);
    const tarFile = join(tmp.dir, 'x.tar');
    execFileSync('tar', ['--xattrs', '--xattrs-include=*', '-C', src, '-cf', tarFile, 'ping']);
    const d = join(tmp.dir, 'out');
    mkdirSync(d);
    await extractTar(tarStream(readFileSync(tarFile)), d, { mode: 'overlay' });
    expect((await getXattr(join(d, 'ping'), 'security.capability'))?.toString('hex')).toBe(cap.toString('hex'));
    expect((await getXattr(join(d, 'ping'), 'user.note'))?.toString('hex')).toBe('ff0080');
  });

  it('overlay: a hardlink to a file in a lower layer is materialised as a copy', async () => {
    const lower = join(tmp.dir, 'l');
    const up = join(tmp.dir, 'u');
    await apply(lower, [{ name: 'usr/', type: 'directory' }, { name: 'usr/big', content: 'payload', mode: 0o750, uid: 7 }], 'overlay');
    await apply(up, [{ name: 'usr/', type: 'directory' }, { name: 'usr/alias', type: 'link', linkname: 'usr/big' }], 'overlay', [lower]);
    const st = lstatSync(join(up, 'usr/alias'));
    expect(readFileSync(join(up, 'usr/alias'), 'utf8')).toBe('payload');
    expect([st.mode & 0o7777, st.uid, st.nlink]).toEqual([0o750, 7, 1]);
    expect(existsSync(join(up, 'usr/big'))).toBe(false);
  });

  it('overlay: a hardlink through a symlinked dir of a lower layer is E_UNSAFE_PATH (never copies host files)', async () => {
    const lower = join(tmp.dir, 'l');
    const up = join(tmp.dir, 'u');
    const secret = join(tmp.dir, 'host');
    mkdirSync(secret);
    writeFileSync(join(secret, 'shadow'), 'host secret');
    await apply(lower, [{ name: 'a', type: 'symlink', linkname: secret }], 'overlay');
    await expect(apply(up, [{ name: 'x', type: 'link', linkname: 'a/shadow' }], 'overlay', [lower])).rejects.toMatchObject({ code: 'E_UNSAFE_PATH' });
    expect(existsSync(join(up, 'x'))).toBe(false);
  });

  it('overlay: whiteouts in dirs the tar does not list still land, in a dir with the lower attributes', async () => {
    const lower = join(tmp.dir, 'l');
    const up = join(tmp.dir, 'u');
    await apply(lower, [{ name: 'etc/', type: 'directory', mode: 0o751, uid: 3 }, { name: 'etc/gone', content: 'g' }, { name: 'var/', type: 'directory', mode: 0o700 }, { name: 'var/x', content: 'x' }], 'overlay');
    await apply(up, [{ name: 'etc/.wh.gone', content: '' }, { name: 'var/.wh..wh..opq', content: '' }], 'overlay', [lower]);
    expect(tree(up)).toEqual({ etc: 'dir 751 3:0', 'etc/gone': 'chr 0', var: 'dir 700 0:0' });
    expect((await getXattr(join(up, 'var'), 'trusted.overlay.opaque'))?.toString()).toBe('y');
  });

  it('overlay: parent dirs the tar does not list take the lower layer attributes (e.g. /tmp 1777)', async () => {
    const lower = join(tmp.dir, 'l');
    const up = join(tmp.dir, 'u');
    await apply(lower, [{ name: './', type: 'directory', mode: 0o755 }, { name: 'tmp/', type: 'directory', mode: 0o1777 }], 'overlay');
    await apply(up, [{ name: 'tmp/x', content: 'x' }], 'overlay', [lower]);
    expect(statSync(join(up, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(statSync(up).mode & 0o7777).toBe(0o755);
  });
});

describe('path safety', () => {
  const cases: [string, TarEntry[]][] = [
    ['../ escape', [{ name: '../escaped', content: 'x' }]],
    ['nested ../ escape', [{ name: 'a/../../escaped', content: 'x' }]],
    ['absolute path', [{ name: '/escaped', content: 'x' }]],
    ['symlink dir then write through it', [{ name: 'a', type: 'symlink', linkname: '..' }, { name: 'a/escaped', content: 'x' }]],
    ['absolute symlink then write through it', [{ name: 'etc', type: 'symlink', linkname: '/var/tmp' }, { name: 'etc/escaped', content: 'x' }]],
    ['hardlink escaping', [{ name: 'h', type: 'link', linkname: '../escaped' }]],
    ['dir replaced by a symlink, then written below', [
      { name: 'a/', type: 'directory' }, { name: 'a/b/', type: 'directory' }, { name: 'a/b/ok', content: 'x' },
      { name: 'a', type: 'symlink', linkname: '..' }, { name: 'a/b/escaped', content: 'x' },
    ]],
  ];
  for (const mode of ['overlay', 'flatten'] as const) {
    for (const [what, entries] of cases) {
      it(`${mode}: refuses ${what} with E_UNSAFE_PATH and writes nothing outside`, async () => {
        const d = join(tmp.dir, 'root', 'snap');
        const before = readdirSync(tmp.dir);
        await expect(apply(d, entries, mode)).rejects.toMatchObject({ code: 'E_UNSAFE_PATH' });
        expect(existsSync(join(tmp.dir, 'root', 'escaped'))).toBe(false);
        expect(existsSync('/var/tmp/escaped')).toBe(false);
        expect(readdirSync(join(tmp.dir, 'root'))).toEqual(['snap']);
        expect(readdirSync(tmp.dir)).toEqual(before.length ? before : ['root']);
      });
    }
  }

  it('a truncated tar is E_BAD_ARCHIVE', async () => {
    const buf = await makeTar([{ name: 'f', content: Buffer.alloc(5000, 1) }]);
    const d = join(tmp.dir, 't');
    mkdirSync(d);
    await expect(extractTar(tarStream(buf.subarray(0, 2048)), d, { mode: 'overlay' })).rejects.toMatchObject({ code: 'E_BAD_ARCHIVE' });
  });
});
