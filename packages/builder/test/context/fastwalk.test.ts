import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, renameSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadContext } from '../../src/context/loadContext.js';
import { FileChecksumCache } from '../../src/context/checksumCache.js';
import { FAST_SETTLED_MS, FAST_WALK_VERSION, fastWalk } from '@tsbuild/sys';
import { hostTools } from '../../src/exec/host-tools.js';
import { cleanup, makeTree, tmp } from '../copy/helpers.js';

const hasPerl = hostTools().perl !== undefined;
const dirs: string[] = [];
afterAll(() => cleanup(...dirs.splice(0)));
function t(): string { const d = tmp('tsb-fastwalk-'); dirs.push(d); return d; }

/** a context with a 2,100-file `data/` (three levels), a small `late/`, and an ignored `data/tmp.log` */
function bigContext(): string {
  const files: Record<string, string> = { 'late/x': 'late', '.dockerignore': 'data/*.log\n', 'data/tmp.log': 'log 1' };
  for (let i = 0; i < 2100; i++) files[`data/d${String(i % 7)}/s${String(i % 3)}/f${i}`] = `file ${i}\n`;
  const d = makeTree(t(), { files });
  symlinkSync('d0/s0/f0', join(d, 'data/link'));
  return d;
}

/** checksum of `sources` through the cache in `file`; records which memo keys were asked */
async function run(d: string, file: string, sources: string[] = ['data']) {
  const cache = await FileChecksumCache.open(file, { listingSettledMs: 0 });
  const asked: string[] = [];
  const selection = cache.selection.bind(cache);
  cache.selection = (k, fp) => { asked.push(k.startsWith(FAST_WALK_VERSION) ? 'fast' : 'walk'); return selection(k, fp); };
  const r = await (await loadContext(d, { cache })).checksum({ sources }, { detail: true, detailMax: 1000 });
  await cache.save();
  return { digest: r.digest, entries: r.entries, asked, cache };
}

async function fresh(d: string, sources: string[] = ['data']) {
  return (await (await loadContext(d)).checksum({ sources })).digest;
}

const settle = () => new Promise((r) => setTimeout(r, FAST_SETTLED_MS + 1100));

describe.skipIf(!hasPerl)('perl fast walk (big selections)', () => {
  let d: string;
  let f: string;
  beforeAll(async () => {
    d = bigContext();
    f = join(t(), 'cc.bin');
    await settle(); // the walker's times are whole seconds: only a settled tree is fingerprinted
  }, 20_000);

  it('fingerprints a big selection from its second build on and then answers without a Node walk', async () => {
    const first = await run(d, f);
    expect(first.asked).toEqual(['walk']); // nothing known yet: no walker
    expect(first.digest).toBe(await fresh(d));
    const second = await run(d, f);
    expect(second.asked).toEqual(['fast', 'walk']); // fingerprinted before the walk, memo hit, stored
    expect(second.digest).toBe(first.digest);
    const third = await run(d, f);
    expect(third.asked).toEqual(['fast']); // answered by the walker alone
    expect(third.digest).toBe(first.digest);
    expect(third.entries).toBe(first.entries);
  });

  it('sees every kind of change below the selection, and nothing outside it', async () => {
    const changes: [string, () => void, boolean][] = [
      ['a file outside the selection', () => writeFileSync(join(d, 'late/x'), 'late 2'), false],
      ['an ignored file inside it', () => writeFileSync(join(d, 'data/tmp.log'), 'log 2'), false],
      ['a same-size rewrite with its mtime put back', () => {
        const p = join(d, 'data/d3/s1/f10');
        const st = statSync(p);
        writeFileSync(p, 'file X\n'.padEnd(st.size - 1, ' ') + '\n');
        utimesSync(p, st.atime, st.mtime);
      }, true],
      ['a chmod', () => chmodSync(join(d, 'data/d5/s2/f26'), 0o600), true],
      ['a rename', () => renameSync(join(d, 'data/d1/s0/f15'), join(d, 'data/d1/s0/f15b')), true],
      ['a new file', () => writeFileSync(join(d, 'data/d6/new'), 'new'), true],
      ['a deleted file', () => unlinkSync(join(d, 'data/d2/s1/f16')), true],
      ['a symlink retargeted', () => { unlinkSync(join(d, 'data/link')); symlinkSync('d1/s1/f1', join(d, 'data/link')); }, true],
    ];
    let before = (await run(d, f)).digest;
    for (const [what, change, busts] of changes) {
      change();
      const r = await run(d, f);
      expect(r.asked[0], what).toBe('fast');
      expect(r.digest, what).toBe(await fresh(d));
      if (busts) expect(r.digest, what).not.toBe(before);
      else expect(r.digest, what).toBe(before);
      before = r.digest;
    }
  });

  it('a selection whose walk skips an ignored directory whole is remembered as not worth a walker', async () => {
    const c = makeTree(t(), { files: { '.dockerignore': 'big/skip\n', 'big/skip/x': 'x' } });
    for (let i = 0; i < 2100; i++) writeFileSync(join(c, 'big', `f${i}`), `${i}`);
    await settle();
    const g = join(t(), 'cc.bin');
    await run(c, g, ['big']);
    const second = await run(c, g, ['big']);
    expect(second.asked).toEqual(['fast', 'walk']);
    const third = await run(c, g, ['big']);
    expect(third.asked).toEqual(['walk']); // the walker is not started again
    expect(third.digest).toBe(await fresh(c, ['big']));
  }, 20_000);
});

describe.skipIf(!hasPerl)('fastWalk', () => {
  it('streams a stable digest per worker, and fails soft on a missing directory', async () => {
    const d = makeTree(t(), { files: { 'a/1': '1', 'a/2': '2', 'b/3': '3', c: 'c' } });
    const one = await fastWalk([d], 1);
    const two = await fastWalk([d], 2);
    expect(one?.digests).toHaveLength(1);
    expect(two?.digests).toHaveLength(2);
    expect(await fastWalk([d], 2)).toEqual(two);
    // (a same-size rewrite within the same second is not seen: times are whole seconds, which is why
    // checksum.ts only stores fingerprints of settled trees — tested above)
    writeFileSync(join(d, 'a/2'), '22');
    expect((await fastWalk([d], 1))?.digests).not.toEqual(one?.digests);
    expect(await fastWalk([join(d, 'missing')], 2)).toBeUndefined();
  });
});
