/**
 * Hostile layers applied straight through extract() (no load-time TarCheck in front): a later
 * entry replaces a directory by a link to a host dir after work was queued below it, in both
 * modes, on this thread and through the worker pool. Nothing may reach the outside directory.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { lstatSync, mkdirSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractTar } from '@tsbuild/layerstore';
import { readAllXattrsSync } from '@tsbuild/sys';
import { makeTar, tarStream, tempDir, type TarEntry } from '../helpers.js';

let tmp: { dir: string; cleanup: () => void };
let outside: string;
beforeEach(() => {
  tmp = tempDir();
  outside = join(tmp.dir, 'outside');
  mkdirSync(join(outside, 'sub'), { recursive: true });
  writeFileSync(join(outside, 'victim'), 'host\n');
  writeFileSync(join(outside, 'sub/keep'), 'keep\n');
});
afterEach(() => tmp.cleanup());

function outsideState(): string {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const n of readdirSync(join(outside, rel)).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      const st = lstatSync(join(outside, r));
      out.push(`${r} ${st.mode.toString(8)} ${st.size} ${[...readAllXattrsSync([join(outside, r)])[0]!.keys()].join(',')}`);
      if (st.isDirectory()) walk(r);
    }
  };
  walk('');
  return out.join('\n');
}

const CAP = Buffer.from('0100000241000000000000000000000000000000', 'hex').toString('latin1');

function swap(target: string): TarEntry[] {
  return [
    { name: 'd/', type: 'directory' },
    { name: 'd/victim', content: 'evil\n', mode: 0o4755, pax: { 'SCHILY.xattr.user.evil': '1', 'SCHILY.xattr.security.capability': CAP } },
    { name: 'd/fifo', type: 'fifo' },
    { name: 'd/disk', type: 'block-device', devmajor: 254, devminor: 0 },
    { name: 'd/.wh.x', content: '' },
    { name: 'd/sub/', type: 'directory' },
    { name: 'd/sub/.wh..wh..opq', content: '' },
    { name: 'd', type: 'symlink', linkname: target },
  ];
}

async function apply(dest: string, entries: TarEntry[], mode: 'overlay' | 'flatten', pool: boolean) {
  mkdirSync(dest, { recursive: true });
  return extractTar(tarStream(await makeTar(entries)), dest, { mode, writers: pool ? 1 : 0, writerThreshold: 0 });
}

describe('a directory swapped for a link after work was queued below it', () => {
  for (const mode of ['overlay', 'flatten'] as const) {
    for (const pool of [false, true]) {
      it(`${mode}${pool ? ', worker pool' : ''}: the link is the result, the outside is untouched`, async () => {
        const before = outsideState();
        const dest = join(tmp.dir, 'dest');
        await apply(dest, swap(outside), mode, pool);
        expect(readlinkSync(join(dest, 'd'))).toBe(outside);
        expect(outsideState()).toBe(before);
      });
    }
  }

  it('flatten: an opaque marker removes a dir checked earlier, a link takes its place, a file below it is refused', async () => {
    const dest = join(tmp.dir, 'dest');
    mkdirSync(join(dest, 'a/sub'), { recursive: true });
    writeFileSync(join(dest, 'a/sub/old'), 'old');
    const before = outsideState();
    await expect(
      apply(dest, [
        { name: 'a/sub/.wh.zzz', content: '' },
        { name: 'a/.wh..wh..opq', content: '' },
        { name: 'a/sub', type: 'symlink', linkname: outside },
        { name: 'a/sub/pwned', content: 'pwned\n' },
      ], 'flatten', false),
    ).rejects.toMatchObject({ code: 'E_UNSAFE_PATH' });
    expect(outsideState()).toBe(before);
  });
});
