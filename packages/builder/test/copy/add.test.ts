import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { createServer, type Server } from 'node:http';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { packTar as pack } from '@tsbuild/layerstore/tar';
import { applyCopy } from '../../src/copy/applyCopy.js';
import { downloadUrl } from '../../src/copy/downloadUrl.js';
import { fetchRemote } from '../../src/copy/fetchRemote.js';
import { openStore } from '@tsbuild/layerstore';
import { isArchive } from '../../src/copy/archive.js';
import type { CopyOp } from '../../src/copy/types.js';
import { loadContext } from '../../src/context/loadContext.js';
import { cleanup, makeTree, tmp } from './helpers.js';
import { BIG_UID, CAP_NET_RAW, FF_NAME, LONG_NAME, SUBSEC_NS, T, gnuXattrTar, paxEdgeTar } from './archive-fixtures.js';

const dirs: string[] = [];
afterEach(() => cleanup(...dirs.splice(0)));
function t(): string { const d = tmp('tsb-add-'); dirs.push(d); return d; }
const add = (sources: string[], dest: string, extra: Partial<CopyOp> = {}): CopyOp => ({ kind: 'ADD', sources, dest, ...extra });
const read = (root: string, p: string) => readFileSync(join(root, p), 'utf8');

/** a real tar made by GNU tar: dir/a (0640, 1234:5678, mtime 1600000000), dir/link -> a */
function makeTar(ctxDir: string, name: string, compress?: 'gzip' | 'bzip2' | 'xz' | 'zstd'): void {
  const src = makeTree(t(), { files: { 'dir/a': { content: 'A-content', mode: 0o640 } }, symlinks: { 'dir/link': 'a' } });
  const out = join(ctxDir, name);
  execFileSync('tar', ['--owner=1234', '--group=5678', '--numeric-owner', '--mtime=@1600000000', '-C', src, '-cf', out, 'dir']);
  if (compress) {
    const data = execFileSync(compress, ['-c', out]);
    writeFileSync(out, data);
  }
}

async function packTar(entries: { name: string; type?: 'file' | 'symlink' | 'link' | 'directory'; content?: string; linkname?: string }[]): Promise<Buffer> {
  return pack(entries.map((e) => ((e.type ?? 'file') === 'file'
    ? { header: { name: e.name, mode: 0o644, mtime: new Date() }, body: e.content ?? '' }
    : { header: { name: e.name, type: e.type, linkname: e.linkname, mode: 0o755, mtime: new Date() } })));
}

describe('ADD local archives', () => {
  for (const c of [undefined, 'gzip', 'bzip2', 'xz', 'zstd'] as const) {
    it(`extracts a ${c ?? 'plain'} tar detected by content (misleading name), keeping modes, owners, mtimes, links`, async () => {
      const ctxDir = t();
      makeTar(ctxDir, 'archive.bin', c);
      const ctx = await loadContext(ctxDir);
      expect(await isArchive(join(ctxDir, 'archive.bin'))).toBe(true);
      const r = t();
      await applyCopy(add(['archive.bin'], '/opt/'), { source: ctx, destRoot: r });
      expect(read(r, 'opt/dir/a')).toBe('A-content');
      const st = lstatSync(join(r, 'opt/dir/a'));
      expect(st.mode & 0o7777).toBe(0o640);
      expect(`${st.uid}:${st.gid}`).toBe('1234:5678');
      expect(st.mtimeMs).toBe(1600000000000);
      expect(readlinkSync(join(r, 'opt/dir/link'))).toBe('a');
    });
  }

  it('extracts into dest even without a trailing slash; --chown overrides archive owners; COPY never extracts', async () => {
    const ctxDir = t();
    makeTar(ctxDir, 'x.tar.gz', 'gzip');
    const ctx = await loadContext(ctxDir);
    const r = t();
    await applyCopy(add(['x.tar.gz'], '/into', { chown: '7:8' }), { source: ctx, destRoot: r });
    expect(read(r, 'into/dir/a')).toBe('A-content');
    expect(lstatSync(join(r, 'into/dir/a')).uid).toBe(7);
    await applyCopy({ kind: 'COPY', sources: ['x.tar.gz'], dest: '/copied' }, { source: ctx, destRoot: r });
    expect(lstatSync(join(r, 'copied')).isFile()).toBe(true);
    await applyCopy(add(['x.tar.gz'], '/nounpack', { unpack: false }), { source: ctx, destRoot: r });
    expect(lstatSync(join(r, 'nounpack')).isFile()).toBe(true);
  });

  it('creates device nodes and fifos from the archive (as root, like chrootarchive)', async () => {
    const ctxDir = t();
    writeFileSync(join(ctxDir, 'dev.tar'), pack([
      { header: { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 } },
      { header: { name: 'dev/fifo', type: 'fifo', mode: 0o600 } },
    ]));
    const r = t();
    await applyCopy(add(['dev.tar'], '/'), { source: await loadContext(ctxDir), destRoot: r });
    const st = lstatSync(join(r, 'dev/null'));
    expect(st.isCharacterDevice()).toBe(true);
    expect(st.rdev).toBe(lstatSync('/dev/null').rdev);
    expect(lstatSync(join(r, 'dev/fifo')).isFIFO()).toBe(true);
  });

  it('takes PAX uid/gid/mtime records; a time before 1970 becomes the epoch except on symlinks (Docker Untar)', async () => {
    const ctxDir = t();
    // GNU tar writes a PAX archive with uid/gid/mtime records for ids past the octal range and negative times
    const src = makeTree(t(), { files: { f: 'x', g: 'y' }, symlinks: { l: 'f' } });
    execFileSync('touch', ['-d', '@-86400', join(src, 'f')]);
    execFileSync('touch', ['-h', '-d', '@-86400', join(src, 'l')]);
    execFileSync('touch', ['-d', '@4102444800', join(src, 'g')]);
    execFileSync('tar', ['--format=posix', '--owner=3000000', '--group=4000000', '--numeric-owner', '-C', src, '-cf', join(ctxDir, 'pax.tar'), 'f', 'g', 'l']);
    const r = t();
    await applyCopy(add(['pax.tar'], '/x/'), { source: await loadContext(ctxDir), destRoot: r });
    const f = lstatSync(join(r, 'x/f'));
    expect([f.uid, f.gid, f.mtimeMs]).toEqual([3000000, 4000000, 0]);
    expect(lstatSync(join(r, 'x/g')).mtimeMs).toBe(4102444800000);
    expect(lstatSync(join(r, 'x/l')).mtimeMs).toBe(-86400000);
  });

  it('an aborted signal stops the copy', async () => {
    const ctxDir = makeTree(t(), { files: { a: 'x' } });
    const ac = new AbortController();
    ac.abort();
    const err = await applyCopy({ kind: 'COPY', sources: ['a'], dest: '/a' }, { source: await loadContext(ctxDir), destRoot: t(), signal: ac.signal }).catch((e) => e);
    expect(err.name).toBe('AbortError');
  });

  it('a file that only looks like a tar by name is copied, not extracted', async () => {
    const ctxDir = makeTree(t(), { files: { 'fake.tar.gz': 'not an archive' } });
    const ctx = await loadContext(ctxDir);
    const r = t();
    await applyCopy(add(['fake.tar.gz'], '/'), { source: ctx, destRoot: r });
    expect(read(r, 'fake.tar.gz')).toBe('not an archive');
  });

  it('an entry below a symlink to a missing dir fails like Docker Untar (no parent made); below a good link it lands in the target', async () => {
    const ctxDir = t();
    writeFileSync(join(ctxDir, 'good.tar'), await packTar([{ name: 'real/', type: 'directory' }, { name: 'l', type: 'symlink', linkname: '/real' }, { name: 'l/f', content: 'f' }, { name: 'new/deep/g', content: 'g' }]));
    writeFileSync(join(ctxDir, 'bad.tar'), await packTar([{ name: 'l', type: 'symlink', linkname: '/missing' }, { name: 'l/f', content: 'f' }]));
    const ctx = await loadContext(ctxDir);
    const r = t();
    await applyCopy(add(['good.tar'], '/x/'), { source: ctx, destRoot: r });
    expect(read(r, 'x/real/f')).toBe('f');
    expect(read(r, 'x/new/deep/g')).toBe('g');
    const err = await applyCopy(add(['bad.tar'], '/y/'), { source: ctx, destRoot: r }).catch((e) => e);
    expect(err.code).toBe('E_COPY');
    expect(existsSync(join(r, 'y/missing'))).toBe(false);
  });

  it('clamps ../ entry names and hard-link targets to dest (BuildKit untars chrooted into dest) and writes nothing outside', async () => {
    const ctxDir = t();
    writeFileSync(join(ctxDir, 'evil.tar'), await packTar([
      { name: 'ok.txt', content: 'ok' },
      { name: '../../escaped.txt', content: 'bad' },
      { name: 'a/../../../y.txt', content: 'y' },
      { name: 'hl', type: 'link', linkname: '../../ok.txt' },
    ]));
    const ctx = await loadContext(ctxDir);
    const r = t();
    await applyCopy(add(['evil.tar'], '/x/y/'), { source: ctx, destRoot: r });
    expect(read(r, 'x/y/ok.txt')).toBe('ok');
    expect(read(r, 'x/y/escaped.txt')).toBe('bad');
    expect(read(r, 'x/y/y.txt')).toBe('y');
    expect(statSync(join(r, 'x/y/hl')).ino).toBe(statSync(join(r, 'x/y/ok.txt')).ino);
    expect(existsSync(join(r, 'escaped.txt')) || existsSync(join(r, 'x/escaped.txt')) || existsSync(join(r, 'y.txt'))).toBe(false);
  });

  it('a hard link to a symlink changes neither mode nor times of what the symlink points to (Docker createTarFile)', async () => {
    const ctxDir = t();
    const old = new Date(1_500_000_000_000);
    writeFileSync(join(ctxDir, 'hl.tar'), await pack([
      { header: { name: 'd', type: 'directory', mode: 0o750, mtime: old } },
      { header: { name: 'sl', type: 'symlink', linkname: 'd', mode: 0o777, mtime: old } },
      { header: { name: 'hsl', type: 'link', linkname: 'sl', mode: 0o600, mtime: new Date(1_600_000_000_000) } },
    ]));
    const ctx = await loadContext(ctxDir);
    const r = t();
    await applyCopy(add(['hl.tar'], '/x/'), { source: ctx, destRoot: r });
    expect(lstatSync(join(r, 'x/d')).mode & 0o7777).toBe(0o750);
    expect(lstatSync(join(r, 'x/d')).mtimeMs).toBe(1_500_000_000_000);
    expect(lstatSync(join(r, 'x/hsl')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(r, 'x/hsl')).ino).toBe(lstatSync(join(r, 'x/sl')).ino);
  });

  it('a .tar.gz with junk after its gzip member is an archive whose extraction fails (BuildKit), not a file copied as is', async () => {
    const ctxDir = t();
    const tarball = await pack([{ header: { name: 'f', mode: 0o644, mtime: new Date(0) }, body: 'hi' }]);
    writeFileSync(join(ctxDir, 'j.tar.gz'), Buffer.concat([gzipSync(tarball), Buffer.from('JUNK'.repeat(30))]));
    expect(await isArchive(join(ctxDir, 'j.tar.gz'))).toBe(true);
    const ctx = await loadContext(ctxDir);
    const err = await applyCopy(add(['j.tar.gz'], '/x/'), { source: ctx, destRoot: t() }).catch((e) => e);
    expect(err.code).toBe('E_COPY');
    expect(err.message).toContain('error processing tar file');
  });

  for (const tool of ['bzip2', 'xz'] as const) {
    it(`a ${tool} archive with junk after its data fails the ADD (Go's bzip2 reader / xz's exit status), not ignored`, async () => {
      const ctxDir = t();
      const tarball = await pack([{ header: { name: 'f', mode: 0o644, mtime: new Date(0) }, body: 'hi' }]);
      writeFileSync(join(ctxDir, 'j.tar.z'), Buffer.concat([execFileSync(tool, ['-c'], { input: tarball }), Buffer.from('JUNK'.repeat(30))]));
      const ctx = await loadContext(ctxDir);
      const err = await applyCopy(add(['j.tar.z'], '/x/'), { source: ctx, destRoot: t() }).catch((e) => e);
      expect(err.code).toBe('E_COPY');
      expect(err.message).toContain('error processing tar file');
    });
  }

  it('an entry type Docker cannot create (contiguous 7, GNU sparse S) fails the ADD as Docker does', async () => {
    const ctxDir = t();
    writeFileSync(join(ctxDir, 'c.tar'), await pack([{ header: { name: 'c', type: 'contiguous-file', mode: 0o644, mtime: new Date(0) }, body: 'ab' }]));
    const ctx = await loadContext(ctxDir);
    const err = await applyCopy(add(['c.tar'], '/x/'), { source: ctx, destRoot: t() }).catch((e) => e);
    expect(err.code).toBe('E_COPY');
    expect(err.message).toContain('unhandled tar header type 55');
  });

  it('creates symlinks with escaping targets verbatim (as BuildKit) and keeps writes through absolute links inside dest', async () => {
    const ctxDir = t();
    writeFileSync(join(ctxDir, 'rel.tar'), await packTar([{ name: 'l', type: 'symlink', linkname: '../../etc' }]));
    writeFileSync(join(ctxDir, 'abs.tar'), await packTar([{ name: 'real', type: 'directory' }, { name: 'etc', type: 'symlink', linkname: '/real' }, { name: 'etc/owned', content: 'inside' }]));
    const ctx = await loadContext(ctxDir);
    const r = t();
    await applyCopy(add(['rel.tar'], '/d/'), { source: ctx, destRoot: r });
    expect(readlinkSync(join(r, 'd/l'))).toBe('../../etc');
    await applyCopy(add(['abs.tar'], '/e/'), { source: ctx, destRoot: r });
    expect(read(r, 'e/real/owned')).toBe('inside');
    expect(existsSync('/etc/owned')).toBe(false);
  });
});

describe('ADD <url> against a real local HTTP server', () => {
  let server: Server;
  let base = '';
  let tarBody: Buffer = Buffer.alloc(0);
  let etagBody = 'version one\n';
  let etagHits = { full: 0, notModified: 0 };
  const body = 'remote file content\n';
  const sha = createHash('sha256').update(body).digest('hex');
  beforeAll(async () => {
    tarBody = await packTar([{ name: 'inside/t.txt', content: 'from tar' }]);
    server = createServer((req, res) => {
      if (req.url === '/files/a.tar') { res.writeHead(200); res.end(tarBody); return; }
      if (req.url === '/etag.txt') {
        const tag = `"${createHash('sha256').update(etagBody).digest('hex').slice(0, 8)}"`;
        if (req.headers['if-none-match'] === tag) { etagHits.notModified++; res.writeHead(304, { etag: tag }); res.end(); return; }
        etagHits.full++;
        res.writeHead(200, { etag: tag, 'last-modified': 'Wed, 21 Oct 2015 07:28:00 GMT' });
        res.end(etagBody);
        return;
      }
      if (req.url === '/redirect') { res.writeHead(302, { location: '/files/data.txt' }); res.end(); return; }
      if (req.url === '/files/data.txt' || req.url === '/') {
        res.writeHead(200, { 'last-modified': 'Wed, 21 Oct 2015 07:28:00 GMT', etag: '"v1"', 'content-type': 'text/plain' });
        res.end(body);
        return;
      }
      res.writeHead(404); res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('downloads into dest/<name>, mode 0600, Last-Modified mtime, never extracted', async () => {
    const r = t();
    const res = await applyCopy(add([`${base}/files/data.txt`], '/dl/'), { destRoot: r, tmpDir: t() });
    expect(read(r, 'dl/data.txt')).toBe(body);
    const st = lstatSync(join(r, 'dl/data.txt'));
    expect(st.mode & 0o7777).toBe(0o600);
    expect(st.mtimeMs).toBe(Date.parse('2015-10-21T07:28:00Z'));
    expect(`${st.uid}:${st.gid}`).toBe('0:0');
    expect(res.remote[0]?.digest).toBe(`sha256:${sha}`);
  });

  it('follows redirects; a dest without slash is the file name; --checksum ok', async () => {
    const r = t();
    await applyCopy(add([`${base}/redirect`], '/named', { checksum: `sha256:${sha}` }), { destRoot: r });
    expect(read(r, 'named')).toBe(body);
  });

  it('--checksum mismatch → E_CHECKSUM and nothing written', async () => {
    const r = t();
    const err = await applyCopy(add([`${base}/files/data.txt`], '/bad/', { checksum: `sha256:${'0'.repeat(64)}` }), { destRoot: r }).catch((e) => e);
    expect(err.code).toBe('E_CHECKSUM');
    expect(existsSync(join(r, 'bad'))).toBe(false);
  });

  it('a 404 is E_FETCH; COPY of a URL is refused; a URL without path is __unnamed__', async () => {
    const r = t();
    expect((await applyCopy(add([`${base}/missing`], '/x/'), { destRoot: r }).catch((e) => e)).code).toBe('E_FETCH');
    expect((await applyCopy({ kind: 'COPY', sources: [`${base}/files/data.txt`], dest: '/x/' }, { destRoot: r }).catch((e) => e)).code).toBe('E_COPY_SOURCE');
    await applyCopy(add([`${base}/`], '/u/'), { destRoot: r });
    expect(read(r, 'u/__unnamed__')).toBe(body);
  });

  it('a URL archive is not extracted unless --unpack=true', async () => {
    const r = t();
    await applyCopy(add([`${base}/files/a.tar`], '/plain/'), { destRoot: r });
    expect(lstatSync(join(r, 'plain/a.tar')).isFile()).toBe(true);
    await applyCopy(add([`${base}/files/a.tar`], '/unpacked/', { unpack: true }), { destRoot: r });
    expect(read(r, 'unpacked/inside/t.txt')).toBe('from tar');
  });

  it('--checksum is only for a single URL source (BuildKit frontend checks)', async () => {
    const r = t();
    const sum = `sha256:${sha}`;
    expect((await applyCopy({ kind: 'COPY', sources: [`${base}/files/data.txt`], dest: '/x', checksum: sum }, { destRoot: r }).catch((e) => e)).code).toBe('E_CHECKSUM');
    expect((await applyCopy(add([`${base}/files/data.txt`, `${base}/`], '/x/', { checksum: sum }), { destRoot: r }).catch((e) => e)).code).toBe('E_CHECKSUM');
    const ctx = await loadContext(makeTree(t(), { files: { f: 'x' } }));
    expect((await applyCopy(add(['f'], '/x', { checksum: sum }), { source: ctx, destRoot: r }).catch((e) => e)).code).toBe('E_CHECKSUM');
  });

  it('fetchRemote caches by content on the blob store and revalidates with ETag (304 → no transfer); a change gives a new digest', async () => {
    const store = await openStore(t());
    etagHits = { full: 0, notModified: 0 };
    const a = await fetchRemote(`${base}/etag.txt`, { store });
    const b = await fetchRemote(`${base}/etag.txt`, { store });
    expect(a.file).toBe(store.blobPath(a.digest));
    expect(await store.readBlob(a.digest)).toBeInstanceOf(Buffer);
    expect(a.fromCache).toBe(false);
    expect(b.fromCache).toBe(true);
    expect(b.digest).toBe(a.digest);
    expect(etagHits).toEqual({ full: 1, notModified: 1 });
    etagBody = 'version two\n';
    const c = await fetchRemote(`${base}/etag.txt`, { store });
    expect(c.digest).not.toBe(a.digest);
    expect(readFileSync(c.file, 'utf8')).toBe('version two\n');
    // pinned checksum already cached: no request at all
    const d = await fetchRemote(`${base}/etag.txt`, { store, checksum: c.digest });
    expect(d.fromCache).toBe(true);
    expect(etagHits.full).toBe(2);
    // applyCopy uses it and does not delete the cached blob
    const r = t();
    await applyCopy(add([`${base}/etag.txt`], '/e/'), { destRoot: r, remote: new Map([[c.url, c]]) });
    expect(read(r, 'e/etag.txt')).toBe('version two\n');
    expect(existsSync(c.file)).toBe(true);
    // a --checksum the content does not have: E_CHECKSUM, and nothing new on the blob store
    etagBody = 'version three\n';
    const before = readdirSync(store.paths.blobs).sort();
    const e = await fetchRemote(`${base}/etag.txt`, { store, checksum: a.digest }).catch((err: unknown) => err as { code?: string; message: string });
    expect((e as { code?: string }).code).toBe('E_CHECKSUM');
    expect((e as Error).message).toContain(`expected ${a.digest}, got sha256:${createHash('sha256').update('version three\n').digest('hex')}`);
    expect(readdirSync(store.paths.blobs).sort()).toEqual(before);
    await store.close();
  });

  it('downloadUrl (temp file) and fetchRemote (blob store) answer alike: same codes, words and digests; nothing kept on a mismatch', async () => {
    const tmpDir = t();
    const store = await openStore(t());
    const zero = `sha256:${'0'.repeat(64)}`;
    const viaTemp = (url: string, checksum?: string) => downloadUrl(url, { tmpDir, checksum }).catch((e: { code?: string; message: string; data?: unknown }) => e);
    const viaStore = (url: string, checksum?: string) => fetchRemote(url, { store, checksum }).catch((e: { code?: string; message: string; data?: unknown }) => e);
    const ok = [await viaTemp(`${base}/files/data.txt`), await viaStore(`${base}/files/data.txt`)] as { digest: string; size: number; etag?: string; filename: string }[];
    expect(ok.map((r) => [r.digest, r.size, r.etag, r.filename])).toEqual([[`sha256:${sha}`, body.length, '"v1"', 'data.txt'], [`sha256:${sha}`, body.length, '"v1"', 'data.txt']]);
    const missing = [await viaTemp(`${base}/missing`), await viaStore(`${base}/missing`)] as { code?: string; message: string }[];
    expect(missing.map((e) => e.code)).toEqual(['E_FETCH', 'E_FETCH']);
    expect(missing[0]!.message).toBe(missing[1]!.message);
    expect(missing[0]!.message).toContain('invalid response status 404');
    const blobsBefore = readdirSync(store.paths.blobs, { recursive: true }).length;
    const bad = [await viaTemp(`${base}/redirect`, zero), await viaStore(`${base}/redirect`, zero)] as { code?: string; message: string; data?: unknown }[];
    expect(bad.map((e) => e.code)).toEqual(['E_CHECKSUM', 'E_CHECKSUM']);
    expect(bad[0]!.message).toBe(`digest mismatch for ${base}/redirect: expected ${zero}, got sha256:${sha}`);
    expect(bad[1]!.message).toBe(bad[0]!.message);
    expect(bad[1]!.data).toEqual(bad[0]!.data);
    // the temp download left only the first (good) one's directory; the store gained no blob
    expect(readdirSync(tmpDir)).toHaveLength(1);
    expect(readdirSync(store.paths.blobs, { recursive: true }).length).toBe(blobsBefore);
    await store.close();
  });

  it('a pre-downloaded RemoteFile (fetched for the cache key) is reused', async () => {
    const remote = await downloadUrl(`${base}/files/data.txt`, { tmpDir: t() });
    expect(remote.etag).toBe('"v1"');
    const r = t();
    await applyCopy(add([remote.url], '/pre/'), { destRoot: r, remote: new Map([[remote.url, remote]]) });
    expect(read(r, 'pre/data.txt')).toBe(body);
  });
});

describe('ADD: archive metadata as BuildKit extracts it', () => {
  it('GNU tar --xattrs: security.capability and user.* set after the owner, sub-second PAX mtime', async () => {
    const ctxDir = t();
    gnuXattrTar(t(), join(ctxDir, 'x.tar'));
    const r = t();
    await applyCopy(add(['x.tar'], '/o/'), { source: await loadContext(ctxDir), destRoot: r });
    const f = join(r, 'o/x/cap');
    const st = lstatSync(f, { bigint: true });
    expect([Number(st.mode & 0o7777n), Number(st.uid), Number(st.gid)]).toEqual([0o750, 1001, 1002]);
    // nanoseconds as recorded, to the precision utimes(2) through a double gives (< 1 µs off)
    expect(Number(st.mtimeNs - SUBSEC_NS)).toBeGreaterThan(-1000);
    expect(Number(st.mtimeNs - SUBSEC_NS)).toBeLessThan(1000);
    expect(execFileSync('getfattr', ['--absolute-names', '-e', 'hex', '-n', 'security.capability', f]).toString()).toContain(`security.capability=0x${CAP_NET_RAW.toString('hex')}`);
    expect(execFileSync('getfattr', ['--absolute-names', '-n', 'user.note', f]).toString()).toContain('user.note="hello"');
    expect(read(r, 'o/x/plain')).toBe('plain\n');
  });

  it('PAX: names past 255 bytes, ids past 2097151, a \\xff name as bytes, hard links, long targets', async () => {
    const ctxDir = t();
    writeFileSync(join(ctxDir, 'p.tar'), paxEdgeTar());
    const r = t();
    await applyCopy(add(['p.tar'], '/p/'), { source: await loadContext(ctxDir), destRoot: r });
    const long = lstatSync(join(r, 'p', LONG_NAME));
    expect([long.uid, long.gid, long.mode & 0o7777, long.mtimeMs, long.nlink]).toEqual([BIG_UID, BIG_UID + 1, 0o604, T * 1000, 2]);
    expect(lstatSync(join(r, 'p/hard')).ino).toBe(long.ino);
    expect(readlinkSync(join(r, 'p/sym'))).toBe(`/${'s'.repeat(149)}`);
    const names = readdirSync(Buffer.from(join(r, 'p')), { encoding: 'buffer' });
    expect(names.map((n) => n.toString('hex')).sort()).toEqual([FF_NAME, Buffer.from('deep'), Buffer.from('hard'), Buffer.from('sym')].map((b) => b.toString('hex')).sort());
    const ff = lstatSync(Buffer.concat([Buffer.from(join(r, 'p') + '/'), FF_NAME]));
    expect([ff.uid, ff.gid, ff.mode & 0o7777, ff.size]).toEqual([5, 6, 0o600, 3]);
  });
});
