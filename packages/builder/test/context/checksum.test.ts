import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadContext } from '../../src/context/loadContext.js';
import { FileChecksumCache } from '../../src/context/checksumCache.js';
import { cleanup, makeTree, tmp } from '../copy/helpers.js';

const dirs: string[] = [];
afterEach(() => cleanup(...dirs.splice(0)));
function t(): string { const d = tmp('tsb-ctx-'); dirs.push(d); return d; }

function project(): string {
  return makeTree(t(), {
    files: { 'src/app.ts': 'console.log(1)\n', 'src/lib/util.ts': 'export {}\n', 'README.md': 'readme', 'secret.env': 'A=1', '.dockerignore': 'secret.env\n*.log\n' },
    symlinks: { 'src/link': 'app.ts' },
  });
}

async function sum(dir: string, sources: string[] = ['.'], extra: { exclude?: string[]; parents?: boolean } = {}) {
  const ctx = await loadContext(dir);
  return (await ctx.checksum({ sources, ...extra })).digest;
}

describe('context checksum (cache-key input)', () => {
  it('is stable, and ignores mtime and uid/gid', async () => {
    const d = project();
    const a = await sum(d);
    expect(await sum(d)).toBe(a);
    utimesSync(join(d, 'src/app.ts'), 1, 1);
    expect(await sum(d)).toBe(a);
    chownSync(join(d, 'src/app.ts'), 4321, 8765);
    expect(await sum(d)).toBe(a);
  });

  it('changes with chmod, content, a rename, a symlink target, a new file', async () => {
    const d = project();
    const a = await sum(d);
    chmodSync(join(d, 'src/app.ts'), 0o755);
    const b = await sum(d);
    expect(b).not.toBe(a);
    writeFileSync(join(d, 'src/app.ts'), 'console.log(2)\n');
    const c = await sum(d);
    expect(c).not.toBe(b);
    renameSync(join(d, 'src/lib/util.ts'), join(d, 'src/lib/util2.ts'));
    const e = await sum(d);
    expect(e).not.toBe(c);
    const f = await sum(d, ['src/link']);
    // a top-level symlink source is followed: same content as the target under the link's name
    expect(f).not.toBe(await sum(d, ['src/app.ts']));
    writeFileSync(join(d, 'src/new.ts'), '');
    expect(await sum(d)).not.toBe(e);
  });

  it('setuid bit is part of the mode', async () => {
    const d = project();
    const a = await sum(d, ['src/app.ts']);
    chmodSync(join(d, 'src/app.ts'), 0o4644);
    expect(await sum(d, ['src/app.ts'])).not.toBe(a);
  });

  it('editing an ignored file or a file outside the selection does not change it', async () => {
    const d = project();
    const all = await sum(d);
    const src = await sum(d, ['src/*.ts']);
    writeFileSync(join(d, 'secret.env'), 'A=2');
    writeFileSync(join(d, 'build.log'), 'noise');
    expect(await sum(d)).toBe(all);
    writeFileSync(join(d, 'README.md'), 'changed');
    expect(await sum(d, ['src/*.ts'])).toBe(src);
    expect(await sum(d)).not.toBe(all);
  });

  it('--exclude and --parents are part of the selection', async () => {
    const d = project();
    const withMd = await sum(d, ['.']);
    const noMd = await sum(d, ['.'], { exclude: ['*.md'] });
    expect(noMd).not.toBe(withMd);
    writeFileSync(join(d, 'README.md'), 'changed');
    expect(await sum(d, ['.'], { exclude: ['*.md'] })).toBe(noMd);
    expect(await sum(d, ['src/lib/util.ts'], { parents: true })).not.toBe(await sum(d, ['src/lib/util.ts']));
  });

  it('a missing source is E_COPY_SOURCE; a leading ../ stays inside the context; an ignored one is missing', async () => {
    const d = project();
    const ctx = await loadContext(d);
    expect((await ctx.checksum(['nope']).catch((e) => e)).code).toBe('E_COPY_SOURCE');
    expect((await ctx.checksum(['../x']).catch((e) => e)).code).toBe('E_COPY_SOURCE');
    expect((await ctx.checksum(['secret.env']).catch((e) => e)).code).toBe('E_COPY_SOURCE');
    expect((await ctx.checksum(['nomatch*'])).entries).toBe(0);
  });

  it('detail lists per-entry digests that tell which file changed', async () => {
    const d = project();
    const ctx = await loadContext(d);
    const a = await ctx.checksum(['src'], { detail: true });
    writeFileSync(join(d, 'src/lib/util.ts'), 'changed');
    const b = await (await loadContext(d)).checksum(['src'], { detail: true });
    const changed = b.detail!.filter((e, i) => a.detail![i]?.digest !== e.digest).map((e) => e.path);
    expect(changed).toEqual(['src/lib/util.ts']);
  });
});

describe('ChecksumCache', () => {
  it('an unchanged context is not re-read; a touched file is; the JSON cache survives a reload', async () => {
    const d = project();
    for (let i = 0; i < 50; i++) writeFileSync(join(d, `src/f${i}.ts`), 'x'.repeat(1000 + i));
    const store = t();
    const cacheFile = join(store, 'context-cache-v7.bin');
    const tmpDir = join(store, 'tmp');
    let cache = await FileChecksumCache.open(cacheFile, { tmpDir });
    let ctx = await loadContext(d, { cache });
    const first = await ctx.checksum(['.']);
    expect(first.bytesRead).toBeGreaterThan(50_000);
    await cache.save();
    expect(existsSync(cacheFile)).toBe(true);
    // written through the store's tmp/ (what a crash leaves there, GC removes): nothing else beside it
    expect(readdirSync(store).sort()).toEqual(['context-cache-v7.bin', 'tmp']);
    expect(readdirSync(tmpDir)).toEqual([]);

    cache = await FileChecksumCache.open(cacheFile);
    ctx = await loadContext(d, { cache });
    const second = await ctx.checksum(['.']);
    expect(second.digest).toBe(first.digest);
    expect(second.bytesRead).toBe(0);
    expect(ctx.stats.cacheHits).toBeGreaterThan(50);

    writeFileSync(join(d, 'src/f7.ts'), 'y'.repeat(1007)); // same size, new content
    const third = await ctx.checksum(['.']);
    expect(third.bytesRead).toBe(1007);
    expect(third.digest).not.toBe(first.digest);
    await cache.save();
    expect(readFileSync(cacheFile).subarray(0, 6).toString()).toBe('TSBCC7');
  });

  it('round-trips entries; an updated entry replaces the loaded one; stale identities miss', async () => {
    const f = join(t(), 'sub', 'c.bin');
    const id = (n: number) => ({ ino: n, size: 10 * n, mtimeMs: 1700000000123.456 + n, ctimeMs: 1700000000999.5 + n });
    const c = await FileChecksumCache.open(f);
    c.set('/ctx/a', id(1), 'a'.repeat(64));
    c.set('/ctx/ü b', id(2), 'b'.repeat(64));
    await c.save();
    const d = await FileChecksumCache.open(f);
    expect(d.size).toBe(2);
    expect(d.get('/ctx/a', id(1))).toBe('a'.repeat(64));
    expect(d.get('/ctx/ü b', id(2))).toBe('b'.repeat(64));
    expect(d.get('/ctx/a', { ...id(1), mtimeMs: 1 })).toBeUndefined();
    d.set('/ctx/a', id(3), 'c'.repeat(64));
    await d.save();
    const e = await FileChecksumCache.open(f);
    expect(e.get('/ctx/a', id(3))).toBe('c'.repeat(64));
    expect(e.get('/ctx/a', id(1))).toBeUndefined();
    expect(e.size).toBe(2);
  });

  it('a corrupt cache file starts empty', async () => {
    const f = join(t(), 'c.json');
    writeFileSync(f, '{not json');
    const c = await FileChecksumCache.open(f);
    expect(c.size).toBe(0);
  });

  it('20,000 files: warm checksum reads nothing', async () => {
    const d = t();
    for (let i = 0; i < 200; i++) {
      mkdirSync(join(d, `d${i}`));
      for (let j = 0; j < 100; j++) writeFileSync(join(d, `d${i}`, `f${j}`), `${i}-${j}`);
    }
    const cache = await FileChecksumCache.open(join(t(), 'cache.json'));
    const t0 = performance.now();
    const cold = await (await loadContext(d, { cache })).checksum(['.']);
    const t1 = performance.now();
    const warm = await (await loadContext(d, { cache })).checksum(['.']);
    const t2 = performance.now();
    expect(cold.entries).toBe(20_201);
    expect(warm.digest).toBe(cold.digest);
    expect(warm.bytesRead).toBe(0);
    console.log(`checksum 20k files: cold ${(t1 - t0).toFixed(0)} ms, warm ${(t2 - t1).toFixed(0)} ms`);
  }, 120_000);
});

describe('loadContext', () => {
  it('<Dockerfile>.dockerignore next to the Dockerfile wins over .dockerignore (testDockerignoreOverride)', async () => {
    const d = makeTree(t(), { files: { foo: 'x', bar: 'y', 'Dockerfile.dockerignore': 'bar\n', Dockerfile2: 'FROM x', 'Dockerfile2.dockerignore': 'foo\n', '.dockerignore': 'foo\nbar\n' } });
    const c1 = await loadContext(d, { dockerfilePath: join(d, 'Dockerfile') });
    expect([c1.isIgnored('foo'), c1.isIgnored('bar')]).toEqual([false, true]);
    const c2 = await loadContext(d, { dockerfilePath: join(d, 'Dockerfile2') });
    expect([c2.isIgnored('foo'), c2.isIgnored('bar')]).toEqual([true, false]);
    const c3 = await loadContext(d, { dockerfilePath: join(d, 'Other') });
    expect([c3.isIgnored('foo'), c3.isIgnored('bar')]).toEqual([true, true]);
  });

  it('resolve refuses paths outside; resolveFollow keeps symlinks inside', async () => {
    const d = makeTree(t(), { files: { 'a/b': 'x' } });
    symlinkSync('/a', join(d, 'etc'));
    const ctx = await loadContext(d);
    expect(ctx.resolve('a/./b')).toBe(join(d, 'a/b'));
    expect(() => ctx.resolve('../outside')).toThrowError(expect.objectContaining({ code: 'E_CONTEXT' }));
    expect(await ctx.resolveFollow('etc/b')).toBe(join(d, 'a/b'));
  });

  it('glob expands Go-style patterns over visible files', async () => {
    const d = makeTree(t(), { files: { 'a.go': '', 'b.go': '', '.hidden.go': '', 'c.txt': '', 'x/y.go': '', 'ign.go': '', '.dockerignore': 'ign.go\n' } });
    const ctx = await loadContext(d);
    expect(await ctx.glob(['*.go'])).toEqual(['.hidden.go', 'a.go', 'b.go']);
    expect(await ctx.glob(['*/*.go', 'c.txt', 'missing'])).toEqual(['x/y.go', 'c.txt']);
    expect(await ctx.glob(['*.go'], { exclude: ['a*'] })).toEqual(['.hidden.go', 'b.go']);
  });

  it('a missing context dir is E_CONTEXT; an invalid .dockerignore too', async () => {
    expect((await loadContext(join(t(), 'nope')).catch((e) => e)).code).toBe('E_CONTEXT');
    const d = makeTree(t(), { files: { '.dockerignore': '!\n' } });
    expect((await loadContext(d).catch((e) => e)).code).toBe('E_CONTEXT');
  });
});

describe('ChecksumCache directory listings', () => {
  /** checksum through a cache reopened from `file` (listings trusted at once), and without any cache */
  async function both(d: string, file: string, sources = ['.']) {
    const cache = await FileChecksumCache.open(file, { listingSettledMs: 0 });
    const cached = (await (await loadContext(d, { cache })).checksum(sources)).digest;
    await cache.save();
    return { cached, fresh: await sum(d, sources), cache };
  }

  it('an unchanged directory lists from the cache; a create, delete or rename inside it is seen', async () => {
    const d = project();
    const f = join(t(), 'c.bin');
    const a = await both(d, f);
    expect(a.cached).toBe(a.fresh);
    const reopened = await FileChecksumCache.open(f, { listingSettledMs: 0 });
    const st = lstatSync(join(d, 'src'));
    expect(reopened.listing(join(d, 'src'), st)).toEqual(['app.ts', 'lib', 'link']);

    writeFileSync(join(d, 'src/new.ts'), 'new');
    const b = await both(d, f);
    expect(b.cached).toBe(b.fresh);
    expect(b.cached).not.toBe(a.cached);
    renameSync(join(d, 'src/new.ts'), join(d, 'src/lib/moved.ts'));
    const c = await both(d, f);
    expect(c.cached).toBe(c.fresh);
    unlinkSync(join(d, 'src/lib/moved.ts'));
    const e = await both(d, f);
    expect(e.cached).toBe(a.cached);
  });

  it('keeps ignore rules and --exclude exact with listed names', async () => {
    const d = project();
    writeFileSync(join(d, 'src/x.log'), 'log');
    const f = join(t(), 'c.bin');
    await both(d, f);
    const a = await both(d, f);
    expect(a.cached).toBe(a.fresh);
    const cache = await FileChecksumCache.open(f, { listingSettledMs: 0 });
    const ex = await (await loadContext(d, { cache })).checksum({ sources: ['src'], exclude: ['lib'] });
    expect(ex.digest).toBe((await (await loadContext(d)).checksum({ sources: ['src'], exclude: ['lib'] })).digest);
  });

  it('does not store a directory changed too recently to trust its times', async () => {
    const d = project();
    const f = join(t(), 'c.bin');
    const cache = await FileChecksumCache.open(f);
    await (await loadContext(d, { cache })).checksum(['.']);
    await cache.save();
    const again = await FileChecksumCache.open(f);
    expect(again.listing(join(d, 'src'), lstatSync(join(d, 'src')))).toBeUndefined();
  });

  it('reads a format 5 file (no listings) without rehashing', async () => {
    const f = join(t(), 'c.bin');
    const c = await FileChecksumCache.open(f);
    c.set('/ctx/a', { ino: 1, size: 2, mtimeMs: 3, ctimeMs: 4 }, 'a'.repeat(64));
    await c.save();
    // a format 5 file is a format 7 file without the listing and memo sections (here: u32 0, u32 0,
    // 4 bytes padding; u32 0)
    const buf = readFileSync(f);
    const v5 = Buffer.concat([Buffer.from('TSBCC5\n\0', 'latin1'), buf.subarray(8, buf.length - 16)]);
    writeFileSync(f, v5);
    const d = await FileChecksumCache.open(f);
    expect(d.get('/ctx/a', { ino: 1, size: 2, mtimeMs: 3, ctimeMs: 4 })).toBe('a'.repeat(64));
  });
});

describe('ChecksumCache selection memo', () => {
  /** a checksum through a cache reopened from `file` (walks trusted at once); counts per-file lookups */
  async function memoSum(d: string, file: string, sel: { sources: string[]; exclude?: string[] }, opts: { detail?: boolean; detailMax?: number } = {}) {
    const cache = await FileChecksumCache.open(file, { listingSettledMs: 0 });
    let gets = 0;
    const get = cache.get.bind(cache);
    cache.get = (p, id) => { gets++; return get(p, id); };
    const r = await (await loadContext(d, { cache })).checksum(sel, opts);
    await cache.save();
    return { digest: r.digest, entries: r.entries, gets };
  }

  it('answers an unchanged selection without per-file lookups, and sees every kind of change', async () => {
    const d = project();
    const f = join(t(), 'c.bin');
    const sel = { sources: ['src', 'README.md'] };
    const first = await memoSum(d, f, sel);
    expect(first.gets).toBeGreaterThan(0);
    const second = await memoSum(d, f, sel);
    expect(second).toEqual({ ...first, gets: 0 });

    const changes: [string, () => void][] = [
      ['same-size rewrite', () => writeFileSync(join(d, 'src/app.ts'), 'console.log(2)\n')],
      ['chmod', () => chmodSync(join(d, 'src/lib/util.ts'), 0o600)],
      ['new file', () => writeFileSync(join(d, 'src/lib/new.ts'), 'n')],
      ['rename', () => renameSync(join(d, 'src/lib/new.ts'), join(d, 'src/lib/renamed.ts'))],
      ['link target', () => { unlinkSync(join(d, 'src/link')); symlinkSync('lib/util.ts', join(d, 'src/link')); }],
      ['top-level file', () => writeFileSync(join(d, 'README.md'), 'READ ME')],
    ];
    let prev = first.digest;
    for (const [what, change] of changes) {
      // a change in the same clock tick as the one before could leave times as they were: production
      // never remembers such a walk (settled time), this test trusts walks at once, so it waits a tick
      await new Promise((r) => setTimeout(r, 25));
      change();
      const got = await memoSum(d, f, sel);
      const fresh = (await (await loadContext(d)).checksum(sel)).digest;
      expect({ what, digest: got.digest }).toEqual({ what, digest: fresh });
      expect(got.digest).not.toBe(prev);
      prev = got.digest;
      expect((await memoSum(d, f, sel)).gets).toBe(0);
    }
  });

  it('is keyed by the selection (sources, --exclude) and unused when per-entry detail is wanted', async () => {
    const d = project();
    const f = join(t(), 'c.bin');
    const a = await memoSum(d, f, { sources: ['src'] });
    const b = await memoSum(d, f, { sources: ['src'], exclude: ['lib'] });
    expect(b.digest).not.toBe(a.digest);
    expect((await memoSum(d, f, { sources: ['src'] })).digest).toBe(a.digest);
    expect((await memoSum(d, f, { sources: ['src'] }, { detail: true })).gets).toBeGreaterThan(0);
    expect((await memoSum(d, f, { sources: ['src'] }, { detail: true, detailMax: 2 })).gets).toBe(0);
  });

  it('does not remember a walk with anything changed too recently to trust its times', async () => {
    const d = project();
    const f = join(t(), 'c.bin');
    const cache = await FileChecksumCache.open(f);
    await (await loadContext(d, { cache })).checksum(['src']);
    await cache.save();
    const again = await FileChecksumCache.open(f);
    let gets = 0;
    const get = again.get.bind(again);
    again.get = (p, id) => { gets++; return get(p, id); };
    await (await loadContext(d, { cache: again })).checksum(['src']);
    expect(gets).toBeGreaterThan(0);
  });
});

describe('ChecksumCache append form and lookups before indexing', () => {
  const id = (n: number) => ({ ino: n, size: n, mtimeMs: n + 0.5, ctimeMs: n + 0.25 });
  const sha = (n: number) => n.toString(16).padStart(64, '0');

  it('a save without the index appends; the later row of a path wins; lookups agree with the index', async () => {
    const f = join(t(), 'c.bin');
    const a = await FileChecksumCache.open(f);
    for (let i = 1; i <= 300; i++) a.set(`/ctx/d${i % 7}/f${i}`, id(i), sha(i));
    a.set('/ctx/capped', id(999), `${sha(999)}+0102`);
    await a.save();

    // a build that looks up a few files and changes one (no index built)
    const b = await FileChecksumCache.open(f);
    expect(b.get('/ctx/d3/f10', id(10))).toBe(sha(10));
    expect(b.get('/ctx/d1/f1', id(1))).toBe(sha(1));
    expect(b.get('/ctx/d1/f1x', id(1))).toBeUndefined();
    b.set('/ctx/d3/f10', id(1010), sha(1010));
    b.set('/ctx/new', id(2000), `${sha(2000)}+ff`);
    await b.save();

    const c = await FileChecksumCache.open(f);
    // scans (first lookups) and the index (later ones) give the same answers
    const check = () => {
      expect(c.get('/ctx/d3/f10', id(1010))).toBe(sha(1010));
      expect(c.get('/ctx/d3/f10', id(10))).toBeUndefined();
      expect(c.get('/ctx/new', id(2000))).toBe(`${sha(2000)}+ff`);
      expect(c.get('/ctx/capped', id(999))).toBe(`${sha(999)}+0102`);
      for (const i of [1, 2, 150, 299, 300]) expect(c.get(`/ctx/d${i % 7}/f${i}`, id(i))).toBe(sha(i));
    };
    check();
    check();
    expect(c.size).toBe(302);
    // a save with the index compacts (one row per path)
    c.set('/ctx/another', id(3000), sha(3000));
    await c.save();
    const d = await FileChecksumCache.open(f);
    expect(d.size).toBe(303);
    expect(d.get('/ctx/d3/f10', id(1010))).toBe(sha(1010));
    expect(d.get('/ctx/another', id(3000))).toBe(sha(3000));
  });
});
