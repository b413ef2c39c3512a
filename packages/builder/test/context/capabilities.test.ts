import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadContext } from '../../src/context/loadContext.js';
import { FileChecksumCache } from '../../src/context/checksumCache.js';
import { cleanup, makeTree, tmp } from '../copy/helpers.js';

const dirs: string[] = [];
afterEach(() => cleanup(...dirs.splice(0)));
function t(): string { const d = tmp('tsb-ctxcap-'); dirs.push(d); return d; }

describe('context checksum and security.capability', () => {
  it('setcap changes the checksum, removing it restores it; a persisted cache keeps the capability', async () => {
    const d = makeTree(t(), { files: { 'bin/ping': 'ping', 'other': 'o' } });
    const cacheFile = join(t(), 'cache.bin');
    const sum = async (sources = ['.']) => {
      const cache = await FileChecksumCache.open(cacheFile);
      const ctx = await loadContext(d, { cache });
      const r = await ctx.checksum({ sources }, { detail: true });
      await cache.save();
      return { digest: r.digest, hits: ctx.stats.cacheHits, hashed: ctx.stats.filesHashed, detail: r.detail! };
    };
    const plain = await sum();
    const otherOnly = await sum(['other']);
    execFileSync('setcap', ['cap_net_raw=ep', join(d, 'bin/ping')]);
    const capped = await sum();
    expect(capped.digest).not.toBe(plain.digest);
    expect(capped.hashed).toBe(1); // setcap changed ctime: only that file is re-read
    expect(capped.detail.find((e) => e.path === 'bin/ping')!.digest).toMatch(/cap=/);
    expect((await sum(['other'])).digest).toBe(otherOnly.digest);

    // from the persisted cache (no re-hash): the capability is still in the checksum
    const again = await sum();
    expect(again.hashed).toBe(0);
    expect(again.digest).toBe(capped.digest);

    execFileSync('setcap', ['-r', join(d, 'bin/ping')]);
    const removed = await sum();
    expect(removed.digest).toBe(plain.digest);
  });

  it('different capabilities give different checksums', async () => {
    const d = makeTree(t(), { files: { f: 'x' } });
    const sum = async () => (await (await loadContext(d)).checksum(['f'])).digest;
    execFileSync('setcap', ['cap_net_raw=ep', join(d, 'f')]);
    const a = await sum();
    execFileSync('setcap', ['cap_net_raw=p', join(d, 'f')]);
    expect(await sum()).not.toBe(a);
  });
});

describe('checksum detailMax', () => {
  it('drops the per-entry detail beyond the limit without changing the digest', async () => {
    const d = makeTree(t(), { files: { 'a/1': '1', 'a/2': '2', 'a/3': '3' } });
    const ctx = await loadContext(d);
    const full = await ctx.checksum(['a'], { detail: true });
    const capped = await ctx.checksum(['a'], { detail: true, detailMax: 2 });
    const roomy = await ctx.checksum(['a'], { detail: true, detailMax: 4 });
    expect(full.detail).toHaveLength(4); // the dir and its three files
    expect(capped.detail).toBeUndefined();
    expect(roomy.detail).toEqual(full.detail);
    expect(capped.digest).toBe(full.digest);
  });
});
