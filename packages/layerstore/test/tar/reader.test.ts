import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync, symlinkSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseTar, type TarHeader } from '../../src/tar/reader.js';
import { paxEntry } from '../../src/tar/pax.js';
import { isTarHeader } from '../../src/tar/detect.js';
import { tempDir } from '../helpers.js';

let tmp: { dir: string; cleanup: () => void };
beforeEach(() => (tmp = tempDir()));
afterEach(() => tmp.cleanup());

async function parse(buf: Buffer, chunk = 4096): Promise<{ h: TarHeader; body: string }[]> {
  const out: { h: TarHeader; body: string }[] = [];
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) chunks.push(buf.subarray(i, i + chunk));
  await parseTar(Readable.from(chunks), {
    entry: (h) => void out.push({ h, body: '' }),
    data: (c) => void (out[out.length - 1]!.body += c.toString()),
    end: () => {},
  });
  return out;
}

describe('tar parser', () => {
  for (const format of ['gnu', 'pax', 'ustar'] as const) {
    it(`reads GNU tar --format=${format}: long names, links, owners, modes, bodies (odd chunk sizes)`, async () => {
      const src = join(tmp.dir, 'src');
      const long = format === 'ustar' ? 'd'.repeat(90) + '/' + 'e'.repeat(90) : 'x'.repeat(150) + '/' + 'y'.repeat(120);
      mkdirSync(join(src, long), { recursive: true });
      writeFileSync(join(src, long, 'f.txt'), 'hello long');
      writeFileSync(join(src, 'big.bin'), Buffer.alloc(70_000, 'z'));
      symlinkSync(format === 'ustar' ? 'big.bin' : 'l'.repeat(130), join(src, 'sym'));
      chownSync(join(src, 'big.bin'), format === 'ustar' ? 4242 : 3_000_000, 77);
      const file = join(tmp.dir, 'a.tar');
      execFileSync('tar', [`--format=${format}`, '--sort=name', '-C', src, '-cf', file, '.']);
      for (const chunk of [1000, 512, 65536]) {
        const entries = await parse(readFileSync(file), chunk);
        const byName = new Map(entries.map((e) => [e.h.name.replace(/\/$/, ''), e]));
        expect(byName.get(`./${long}/f.txt`)?.body).toBe('hello long');
        const big = byName.get('./big.bin')!;
        expect(big.body.length).toBe(70_000);
        expect([big.h.uid, big.h.gid, big.h.mode & 0o777, big.h.type]).toEqual([format === 'ustar' ? 4242 : 3_000_000, 77, 0o644, 'file']);
        expect(byName.get('./sym')?.h).toMatchObject({ type: 'symlink', linkname: format === 'ustar' ? 'big.bin' : 'l'.repeat(130) });
        expect(byName.get(`./${long}`)?.h.type).toBe('directory');
      }
    });
  }

  it('a truncated archive and a corrupt header are E_BAD_ARCHIVE', async () => {
    const src = join(tmp.dir, 's');
    mkdirSync(src);
    writeFileSync(join(src, 'f'), Buffer.alloc(10_000, 1));
    const file = join(tmp.dir, 'b.tar');
    execFileSync('tar', ['-C', src, '-cf', file, 'f']);
    const buf = readFileSync(file);
    await expect(parse(buf.subarray(0, 5000))).rejects.toMatchObject({ code: 'E_BAD_ARCHIVE' });
    const bad = Buffer.from(buf);
    bad[10] = 0x41;
    await expect(parse(bad)).rejects.toMatchObject({ code: 'E_BAD_ARCHIVE' });
    await expect(parse(Buffer.from('not a tar at all'.repeat(100)))).rejects.toMatchObject({ code: 'E_BAD_ARCHIVE' });
  });

  it('the end of archive follows Go tar.Reader: whole blocks may end it, a partial or non-zero second block may not', async () => {
    const src = join(tmp.dir, 's');
    mkdirSync(src);
    writeFileSync(join(src, 'f'), 'Hi');
    const file = join(tmp.dir, 'e.tar');
    execFileSync('tar', ['-C', src, '-b', '1', '-cf', file, 'f']);
    const entry = readFileSync(file).subarray(0, 1024); // header + body block, then the end marker
    const zero = Buffer.alloc(512);
    for (const tail of [Buffer.alloc(0), zero, Buffer.concat([zero, zero]), Buffer.concat([zero, zero, Buffer.from('junk after the end')])]) {
      expect((await parse(Buffer.concat([entry, tail]), 100)).map((e) => e.body)).toEqual(['Hi']);
    }
    // moby TestBuildAddBrokenTar: Go's writer output cut by one byte fails BuildKit's ADD ("unexpected EOF")
    await expect(parse(Buffer.concat([entry, zero, zero]).subarray(0, 2047))).rejects.toMatchObject({ code: 'E_BAD_ARCHIVE' });
    await expect(parse(Buffer.concat([entry, zero.subarray(0, 100)]))).rejects.toMatchObject({ code: 'E_BAD_ARCHIVE' });
    await expect(parse(Buffer.concat([entry, zero, entry]))).rejects.toMatchObject({ code: 'E_BAD_ARCHIVE' });
  });

  it("a trailing '/' makes a directory of a legacy '\\0' entry only, as Go's tar.Reader: a '0' entry stays a file", async () => {
    const block = (name: string, flag: string): Buffer => {
      const b = Buffer.alloc(512);
      b.write(name, 0);
      b.write('0000644\0', 100); b.write('0000000\0', 108); b.write('0000000\0', 116);
      b.write('00000000000\0', 124); b.write('13471446400\0', 136);
      b.write(flag, 156);
      b.write('        ', 148);
      let sum = 0;
      for (const c of b) sum += c;
      b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
      return b;
    };
    const out = await parse(Buffer.concat([block('v7dir/', '\0'), block('regdir/', '0'), Buffer.alloc(1024)]));
    expect(out.map((e) => [e.h.name, e.h.type, e.h.typeflag])).toEqual([['v7dir/', 'directory', '\0'], ['regdir/', 'file', '0']]);
  });

  for (const v of ['0.0', '0.1', '1.0'] as const) {
    it(`expands a PAX sparse file (GNU tar --sparse-version=${v}) to its real name, size and bytes, as Go's reader`, async () => {
      const src = join(tmp.dir, 's');
      mkdirSync(src);
      const f = join(src, 'sp');
      const want = Buffer.alloc(300_000);
      want.write('middle', 100_000);
      want.write('end', 299_997);
      writeFileSync(f, want);
      execFileSync('fallocate', ['--dig-holes', f]);
      writeFileSync(join(src, 'after'), 'next');
      const file = join(tmp.dir, 'sp.tar');
      execFileSync('tar', ['--sparse', '--format=posix', `--sparse-version=${v}`, '-C', src, '-cf', file, 'sp', 'after']);
      const out = await parse(readFileSync(file), 777);
      expect(out.map((e) => [e.h.name, e.h.size])).toEqual([['sp', 300_000], ['after', 4]]);
      expect(out[0]!.body.length).toBe(300_000);
      expect(out[0]!.body === want.toString()).toBe(true);
      expect(out[1]!.body).toBe('next');
    });
  }

  it('ignores PAX global headers (Go hands them out and merges nothing; Docker skips them)', async () => {
    const g = Buffer.from(paxEntry([['uid', '1234'], ['mtime', '1000000000'], ['SCHILY.xattr.user.x', 'v']], 0));
    g.write('g', 156, 'latin1');
    g.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += g[i]!;
    g.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    const src = join(tmp.dir, 's');
    mkdirSync(src);
    writeFileSync(join(src, 'f'), 'Hi');
    const file = join(tmp.dir, 'g.tar');
    execFileSync('tar', ['--format=ustar', '--owner=7', '--group=8', '--mtime=@1500000000', '-C', src, '-cf', file, 'f']);
    const out = await parse(Buffer.concat([g, readFileSync(file)]));
    expect(out.map((e) => [e.h.name, e.h.uid, e.h.gid, e.h.mtime.getTime(), e.h.xattrs.size])).toEqual([['f', 7, 8, 1_500_000_000_000, 0]]);
  });

  it('a GNU long name or link wins over the PAX path or linkpath, whichever comes first (Go applies it after the PAX records)', async () => {
    const longEntry = (flag: 'L' | 'K', text: string): Buffer => {
      const h = Buffer.from(paxEntry([['x', 'y']], 0).subarray(0, 512));
      const data = Buffer.from(`${text}\0`);
      h.fill(0, 0, 100);
      h.write('././@LongLink', 0, 'latin1');
      h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
      h.write(flag, 156, 'latin1');
      h.fill(0x20, 148, 156);
      let sum = 0;
      for (let i = 0; i < 512; i++) sum += h[i]!;
      h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
      return Buffer.concat([h, data, Buffer.alloc(512 - data.length)]);
    };
    const src = join(tmp.dir, 's');
    mkdirSync(src);
    writeFileSync(join(src, 'f'), 'Hi');
    symlinkSync('t', join(src, 'l'));
    const file = join(tmp.dir, 'u.tar');
    execFileSync('tar', ['--format=ustar', '-b', '1', '-C', src, '-cf', file, 'f', 'l']);
    const raw = readFileSync(file);
    const fEntry = raw.subarray(0, 1024);
    const lEntry = raw.subarray(1024, 1536);
    const out = await parse(Buffer.concat([
      longEntry('L', 'gnu-name'), Buffer.from(paxEntry([['path', 'pax-name']], 0)), fEntry,
      Buffer.from(paxEntry([['linkpath', 'pax-target']], 0)), longEntry('K', 'gnu-target'), lEntry,
      Buffer.alloc(1024),
    ]));
    expect(out.map((e) => [e.h.name, e.h.linkname])).toEqual([['gnu-name', ''], ['l', 'gnu-target']]);
  });

  it('accepts a header checksum summed over signed bytes (old tars), as Go does, and still refuses a wrong one', async () => {
    const h = Buffer.from(paxEntry([['x', 'y']], 0).subarray(0, 512));
    h.fill(0, 0, 100);
    Buffer.from([0x6e, 0xe9, 0x65]).copy(h, 0); // a latin-1 name
    h.write('00000000000\0', 124, 'latin1');
    h.write('0', 156, 'latin1');
    let signed = 8 * 0x20;
    for (let i = 0; i < 512; i++) if (i < 148 || i >= 156) signed += h[i]! >= 0x80 ? h[i]! - 256 : h[i]!;
    h.write(`${signed.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    expect(isTarHeader(h)).toBe(true);
    const out = await parse(Buffer.concat([h, Buffer.alloc(1024)]));
    expect(out.map((e) => e.h.type)).toEqual(['file']);
    h.write(`${(signed + 1).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    await expect(parse(Buffer.concat([h, Buffer.alloc(1024)]))).rejects.toMatchObject({ code: 'E_BAD_ARCHIVE' });
    expect(isTarHeader(h)).toBe(false);
  });
});
