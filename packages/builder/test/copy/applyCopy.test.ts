import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { applyCopy } from '../../src/copy/applyCopy.js';
import type { CopyOp, CopySource } from '../../src/copy/types.js';
import { loadContext } from '../../src/context/loadContext.js';
import { cleanup, makeTree, tmp } from './helpers.js';

const dirs: string[] = [];
afterEach(() => cleanup(...dirs.splice(0)));
function t(): string { const d = tmp(); dirs.push(d); return d; }

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\nuser:x:1000:1000::/home/user:/bin/sh\n';
const GROUP = 'root:x:0:\ndaemon:x:1:\nwheel:x:10:root\nstaff:x:50:\nuser:x:1000:\nnobody:x:65534:\n';

function rootfs(): string {
  return makeTree(t(), { files: { 'etc/passwd': PASSWD, 'etc/group': GROUP }, dirs: ['tmp'] });
}

async function ctxOf(tree: Parameters<typeof makeTree>[1]) {
  const d = makeTree(t(), tree);
  return loadContext(d);
}

function op(sources: string[], dest: string, extra: Partial<CopyOp> = {}): CopyOp {
  return { kind: 'COPY', sources, dest, ...extra };
}
const read = (root: string, p: string) => readFileSync(join(root, p), 'utf8');
const mode = (root: string, p: string) => lstatSync(join(root, p)).mode & 0o7777;
const owner = (root: string, p: string) => { const s = lstatSync(join(root, p)); return `${s.uid}:${s.gid}`; };

describe('applyCopy: destination and source rules', () => {
  it('copies wildcards, directory contents and trailing-slash forms like BuildKit (testCopyWildcards)', async () => {
    const ctx = await ctxOf({ files: { 'foo.go': 'foo-contents', 'bar.go': 'bar-contents', 'sub/dir1/dir2/foo': 'foo-contents' } });
    const r = rootfs();
    const run = (s: string[], d: string) => applyCopy(op(s, d), { source: ctx, destRoot: r });
    await run(['*.go'], '/gofiles/');
    await run(['f*.go'], 'foo2.go');
    await run(['sub/*'], '/subdest/');
    await run(['sub/*/dir2/foo'], '/subdest2/');
    await run(['sub/*/dir2/foo'], '/subdest3/bar');
    await run(['.'], 'all/');
    await run(['sub/dir1/'], 'subdest4');
    await run(['sub/dir1/.'], 'subdest5');
    await run(['sub/dir1'], 'subdest6');
    expect(read(r, 'gofiles/foo.go')).toBe('foo-contents');
    expect(read(r, 'gofiles/bar.go')).toBe('bar-contents');
    expect(read(r, 'foo2.go')).toBe('foo-contents');
    expect(lstatSync(join(r, 'foo2.go')).isFile()).toBe(true);
    expect(read(r, 'subdest/dir2/foo')).toBe('foo-contents');
    expect(read(r, 'subdest2/foo')).toBe('foo-contents');
    expect(read(r, 'subdest3/bar')).toBe('foo-contents');
    expect(read(r, 'all/foo.go')).toBe('foo-contents');
    expect(read(r, 'all/sub/dir1/dir2/foo')).toBe('foo-contents');
    for (const d of ['subdest4', 'subdest5', 'subdest6']) expect(read(r, `${d}/dir2/foo`)).toBe('foo-contents');
  });

  it('dest is relative to WORKDIR; "." and "" mean the directory; ../ works (testCopyRelative)', async () => {
    const ctx = await ctxOf({ files: { foo: 'hello' } });
    const r = rootfs();
    await applyCopy(op(['foo'], './'), { source: ctx, destRoot: r, workdir: '/test1/test2' });
    await applyCopy(op(['foo'], './bar/baz'), { source: ctx, destRoot: r, workdir: '/test1/test2' });
    await applyCopy(op(['foo'], ''), { source: ctx, destRoot: r, workdir: '/w' });
    await applyCopy(op(['foo'], '../'), { source: ctx, destRoot: r, workdir: '/test5/test6' });
    await applyCopy(op(['.'], '.'), { source: ctx, destRoot: r, workdir: '/test4' });
    expect(read(r, 'test1/test2/foo')).toBe('hello');
    expect(read(r, 'test1/test2/bar/baz')).toBe('hello');
    expect(read(r, 'w/foo')).toBe('hello');
    expect(read(r, 'test5/foo')).toBe('hello');
    expect(read(r, 'test4/foo')).toBe('hello');
  });

  it('a file into an existing directory keeps its name; without slash into a missing path it is renamed', async () => {
    const ctx = await ctxOf({ files: { a: 'A' } });
    const r = rootfs();
    mkdirSync(join(r, 'existing'));
    await applyCopy(op(['a'], '/existing'), { source: ctx, destRoot: r });
    await applyCopy(op(['a'], '/b'), { source: ctx, destRoot: r });
    await applyCopy(op(['a'], '/c/'), { source: ctx, destRoot: r });
    expect(read(r, 'existing/a')).toBe('A');
    expect(read(r, 'b')).toBe('A');
    expect(read(r, 'c/a')).toBe('A');
  });

  it('missing literal source → E_COPY_SOURCE naming the path, before anything is written; empty wildcard is fine', async () => {
    const ctx = await ctxOf({ files: { foo: 'x' } });
    const r = rootfs();
    const err = await applyCopy(op(['foo', 'nope/missing.txt'], '/out/'), { source: ctx, destRoot: r }).catch((e) => e);
    expect(err.code).toBe('E_COPY_SOURCE');
    expect(err.message).toContain('"/nope/missing.txt": not found');
    expect(existsSync(join(r, 'out'))).toBe(false);
    await applyCopy(op(['foo', 'nomatch*'], '/'), { source: ctx, destRoot: r });
    expect(read(r, 'foo')).toBe('x');
  });

  it('a symlink loop as a source is E_COPY_SOURCE', async () => {
    const ctx = await ctxOf({ symlinks: { a: 'b', b: 'a' } });
    const err = await applyCopy(op(['a'], '/'), { source: ctx, destRoot: rootfs() }).catch((e) => e);
    expect(err.code).toBe('E_COPY_SOURCE');
  });

  it('a source with leading ../ stays inside the context (BuildKit joins it onto the root): never a host file', async () => {
    const ctx = await ctxOf({ files: { foo: 'x' } });
    const r = rootfs();
    await applyCopy(op(['../foo'], '/up'), { source: ctx, destRoot: r });
    await applyCopy(op(['a/../../../foo'], '/up2'), { source: ctx, destRoot: r });
    expect(readFileSync(join(r, 'up'), 'utf8')).toBe('x');
    expect(readFileSync(join(r, 'up2'), 'utf8')).toBe('x');
    const err = await applyCopy(op(['../etc/passwd'], '/'), { source: ctx, destRoot: rootfs() }).catch((e) => e);
    expect(err.code).toBe('E_COPY_SOURCE');
  });

  it('several sources into a non-directory dest: BuildKit copies one after the other; strictMultiSource errors', async () => {
    const ctx = await ctxOf({ files: { one: '1', two: '2' } });
    const r = rootfs();
    await applyCopy(op(['one', 'two'], '/dest'), { source: ctx, destRoot: r });
    expect(read(r, 'dest')).toBe('2');
    const err = await applyCopy(op(['one', 'two'], '/dest2'), { source: ctx, destRoot: r, strictMultiSource: true }).catch((e) => e);
    expect(err.code).toBe('E_COPY');
    await applyCopy(op(['one', 'two'], '/dest3/'), { source: ctx, destRoot: r, strictMultiSource: true });
    expect(read(r, 'dest3/one') + read(r, 'dest3/two')).toBe('12');
  });

  it('a file never replaces a directory (E_COPY)', async () => {
    const ctx = await ctxOf({ files: { 'src/x': 'f' } });
    const r = rootfs();
    mkdirSync(join(r, 'd/x'), { recursive: true });
    const err = await applyCopy(op(['src'], '/d'), { source: ctx, destRoot: r }).catch((e) => e);
    expect(err.code).toBe('E_COPY');
    expect(err.message).not.toContain(r);
  });

  it('overriding the same files twice works (testCopyOverrideFiles)', async () => {
    const ctx = await ctxOf({ files: { 'sub/dir1/dir2/foo': 'foo-contents', 'files/foo.go': 'foo.go-contents' } });
    const r = rootfs();
    for (let i = 0; i < 2; i++) {
      await applyCopy(op(['sub'], 'sub'), { source: ctx, destRoot: r });
      await applyCopy(op(['files/foo.go'], 'dest/foo.go'), { source: ctx, destRoot: r });
    }
    await applyCopy(op(['files'], 'dest'), { source: ctx, destRoot: r });
    expect(read(r, 'sub/dir1/dir2/foo')).toBe('foo-contents');
    expect(read(r, 'dest/foo.go')).toBe('foo.go-contents');
  });

  it('special characters in literal names are not patterns', async () => {
    const ctx = await ctxOf({ files: { 'test-äöü.txt': 'foo', 'test-%C3%A4.txt': 'bar', 'test+aou.txt': 'baz', 'b{r}a(c).txt': 'q', '[x].txt': 'brackets', 'x.txt': 'plain' } });
    const r = rootfs();
    for (const n of ['test-äöü.txt', 'test-%C3%A4.txt', 'test+aou.txt', 'b{r}a(c).txt']) await applyCopy(op([n], '/'), { source: ctx, destRoot: r });
    expect(read(r, 'test-äöü.txt') + read(r, 'test-%C3%A4.txt') + read(r, 'test+aou.txt') + read(r, 'b{r}a(c).txt')).toBe('foobarbazq');
    // `[x].txt` is a character class in Go: it matches x.txt; `[[]x].txt` matches the literal name
    await applyCopy(op(['[x].txt'], '/cls/'), { source: ctx, destRoot: r });
    expect(read(r, 'cls/x.txt')).toBe('plain');
    expect(existsSync(join(r, 'cls/[x].txt'))).toBe(false);
    await applyCopy(op(['[[]x].txt'], '/lit/'), { source: ctx, destRoot: r });
    expect(read(r, 'lit/[x].txt')).toBe('brackets');
  });

  it('dotfiles are matched by * (Go filepath.Match)', async () => {
    const ctx = await ctxOf({ files: { '.env': 'e', 'a': 'a' } });
    const r = rootfs();
    await applyCopy(op(['*'], '/all/'), { source: ctx, destRoot: r });
    expect(read(r, 'all/.env')).toBe('e');
  });
});

describe('applyCopy: owners, modes, times', () => {
  it('context files become 0:0 with their modes and mtimes; created dirs 0755 root', async () => {
    const ctx = await ctxOf({ files: { 'd/x': { content: 'x', mode: 0o750 }, 'd/s': { content: 's', mode: 0o4755 } } });
    chownSync(join(ctx.dir, 'd/x'), 1234, 5678);
    utimesSync(join(ctx.dir, 'd/x'), 1000000000, 1000000000);
    chmodSync(join(ctx.dir, 'd/s'), 0o4755);
    const r = rootfs();
    await applyCopy(op(['d'], '/a/b/c'), { source: ctx, destRoot: r });
    expect(owner(r, 'a/b/c/x')).toBe('0:0');
    expect(mode(r, 'a/b/c/x')).toBe(0o750);
    expect(mode(r, 'a/b/c/s')).toBe(0o4755);
    expect(lstatSync(join(r, 'a/b/c/x')).mtimeMs).toBe(1000000000000);
    expect(mode(r, 'a')).toBe(0o755);
    expect(owner(r, 'a')).toBe('0:0');
  });

  it('a socket in the context is copied as an empty regular file with its permissions (BuildKit fsutil clears the socket bit)', async () => {
    const ctx = await ctxOf({ files: { 'd/x': 'x' } });
    const server = createServer();
    await new Promise<void>((res) => server.listen(join(ctx.dir, 'd/sock'), res));
    try {
      chmodSync(join(ctx.dir, 'd/sock'), 0o751);
      utimesSync(join(ctx.dir, 'd/sock'), 1000000000, 1000000000);
      const r = rootfs();
      await applyCopy(op(['d'], '/a/'), { source: ctx, destRoot: r });
      await applyCopy(op(['d/sock'], '/single'), { source: ctx, destRoot: r });
      for (const p of ['a/sock', 'single']) {
        const st = lstatSync(join(r, p));
        expect([st.isFile(), st.size, st.mode & 0o7777, st.mtimeMs]).toEqual([true, 0, 0o751, 1000000000000]);
      }
      expect(read(r, 'a/x')).toBe('x');
    } finally {
      server.close();
    }
  });

  it('--chown by name uses the primary group; uid only means uid:uid; user:group; created dest dir gets the owner', async () => {
    const ctx = await ctxOf({ files: { foo: 'f', 'bar/sub': '' } });
    const r = rootfs();
    await applyCopy(op(['foo'], '/'), { source: ctx, destRoot: r }).then(() => applyCopy(op(['foo'], '/d1'), { source: ctx, destRoot: r }));
    await applyCopy({ ...op(['foo'], '/foo-daemon'), chown: 'daemon' }, { source: ctx, destRoot: r });
    await applyCopy({ ...op(['bar'], '/baz'), chown: '1000:nobody' }, { source: ctx, destRoot: r });
    await applyCopy({ ...op(['foo'], '/foo-1000'), chown: '1000' }, { source: ctx, destRoot: r });
    await applyCopy({ ...op(['.'], '/dest/'), chown: 'user:user' }, { source: ctx, destRoot: r });
    expect(owner(r, 'foo-daemon')).toBe('1:1');
    expect(owner(r, 'baz/sub')).toBe('1000:65534');
    expect(owner(r, 'baz')).toBe('1000:65534');
    expect(owner(r, 'foo-1000')).toBe('1000:1000');
    expect(owner(r, 'dest')).toBe('1000:1000');
    expect(owner(r, 'dest/foo')).toBe('1000:1000');
  });

  it('--chown with an unknown name falls back to 0 like BuildKit (reported); strictChown fails with E_USER', async () => {
    const ctx = await ctxOf({ files: { foo: 'f' } });
    const r = rootfs();
    const warnings: string[] = [];
    const res = await applyCopy({ ...op(['foo'], '/x'), chown: 'ghost:staff' }, { source: ctx, destRoot: r, onWarning: (m) => warnings.push(m) });
    expect(owner(r, 'x')).toBe('0:50');
    expect(res.unresolvedOwner).toEqual(['user ghost']);
    expect(warnings.length).toBe(1);
    const err = await applyCopy({ ...op(['foo'], '/y'), chown: 'ghost' }, { source: ctx, destRoot: r, strictChown: true }).catch((e) => e);
    expect(err.code).toBe('E_USER');
  });

  it('--chown names resolve in userRoot (the destination rootfs), e.g. for --link into an empty dir', async () => {
    const ctx = await ctxOf({ files: { foo: 'f' } });
    const base = rootfs();
    const empty = t();
    const res = await applyCopy({ ...op(['foo'], '/x'), chown: 'user', link: true }, { source: ctx, destRoot: empty, userRoot: base });
    expect(owner(empty, 'x')).toBe('1000:1000');
    expect(res.independentLayer).toBe(true);
  });

  it('--chmod octal applies to files, copied dirs and created parents (testCopyChmod)', async () => {
    const ctx = await ctxOf({ files: { foo: { content: 'f', mode: 0o755 }, 'bar/x': 'b' } });
    const r = rootfs();
    await applyCopy({ ...op(['foo'], '/'), chmod: '0644' }, { source: ctx, destRoot: r });
    await applyCopy({ ...op(['bar'], '/baz'), chmod: '777' }, { source: ctx, destRoot: r });
    await applyCopy({ ...op(['foo'], '/foobis'), chmod: '0' }, { source: ctx, destRoot: r });
    await applyCopy({ ...op(['foo'], '/parent/foo'), chmod: '777' }, { source: ctx, destRoot: r });
    await applyCopy({ ...op(['foo'], '/parent/sub/foo'), chmod: '770' }, { source: ctx, destRoot: r });
    await applyCopy(op(['foo'], '/footer'), { source: ctx, destRoot: r });
    expect(mode(r, 'foo')).toBe(0o644);
    expect(mode(r, 'baz')).toBe(0o777);
    expect(mode(r, 'baz/x')).toBe(0o777);
    expect(mode(r, 'foobis')).toBe(0);
    expect(mode(r, 'parent')).toBe(0o777);
    expect(mode(r, 'parent/sub')).toBe(0o770);
    expect(mode(r, 'footer')).toBe(0o755);
    const bad = await applyCopy({ ...op(['foo'], '/z'), chmod: '64a' }, { source: ctx, destRoot: r }).catch((e) => e);
    expect(bad.code).toBe('E_CHMOD');
    expect(bad.message).toBe("invalid chmod parameter: '64a'. it should be octal string and between 0 and 07777");
    expect((await applyCopy({ ...op(['foo'], '/z'), chmod: '10000' }, { source: ctx, destRoot: r }).catch((e) => e)).code).toBe('E_CHMOD');
  });

  it('--chmod symbolic: u+x,g-w on files, +X only where executable or a directory', async () => {
    const ctx = await ctxOf({ files: { 'd/plain': { content: 'p', mode: 0o664 }, 'd/exe': { content: 'e', mode: 0o744 } } });
    const r = rootfs();
    await applyCopy({ ...op(['d/plain'], '/p1'), chmod: 'u+x,g-w' }, { source: ctx, destRoot: r });
    await applyCopy({ ...op(['d'], '/d2'), chmod: 'a+X' }, { source: ctx, destRoot: r });
    await applyCopy({ ...op(['d/plain'], '/p3'), chmod: 'go=u-w' }, { source: ctx, destRoot: r });
    expect(mode(r, 'p1')).toBe(0o744);
    expect(mode(r, 'd2/plain')).toBe(0o664);
    expect(mode(r, 'd2/exe')).toBe(0o755);
    expect(mode(r, 'p3')).toBe(0o644);
  });

  it('COPY --from keeps owners; existing dirs keep their metadata, new ones are root unless --chown (testCopyChownExistingDir)', async () => {
    const src = makeTree(t(), { files: { file: '', 'dir/subdir/nestedfile': '' } });
    chownSync(join(src, 'file'), 100, 200);
    chownSync(join(src, 'dir'), 100, 200);
    chownSync(join(src, 'dir/subdir'), 101, 201);
    chownSync(join(src, 'dir/subdir/nestedfile'), 102, 202);
    const stage: CopySource = { root: src, owner: 'preserve', name: 'stage source' };
    const mk = () => {
      const r = rootfs();
      mkdirSync(join(r, 'existingdir/existingsubdir'), { recursive: true });
      writeFileSync(join(r, 'existingdir/existingfile'), '');
      chownSync(join(r, 'existingdir'), 500, 600);
      chownSync(join(r, 'existingdir/existingsubdir'), 501, 601);
      chownSync(join(r, 'existingdir/existingfile'), 501, 601);
      return r;
    };
    const a = mk();
    await applyCopy(op(['/file'], '.'), { source: stage, destRoot: a });
    await applyCopy(op(['/dir'], '/dir'), { source: stage, destRoot: a });
    await applyCopy(op(['/dir/.'], '/existingdir'), { source: stage, destRoot: a });
    expect(owner(a, 'file')).toBe('100:200');
    expect(owner(a, 'dir')).toBe('0:0');
    expect(owner(a, 'dir/subdir')).toBe('101:201');
    expect(owner(a, 'dir/subdir/nestedfile')).toBe('102:202');
    expect(owner(a, 'existingdir')).toBe('500:600');
    expect(owner(a, 'existingdir/existingsubdir')).toBe('501:601');
    expect(owner(a, 'existingdir/existingfile')).toBe('501:601');
    expect(owner(a, 'existingdir/subdir')).toBe('101:201');
    expect(owner(a, 'existingdir/subdir/nestedfile')).toBe('102:202');

    const b = mk();
    const c = { chown: '300:400' };
    await applyCopy({ ...op(['/file'], '.'), ...c }, { source: stage, destRoot: b });
    await applyCopy({ ...op(['/dir'], '/dir'), ...c }, { source: stage, destRoot: b });
    await applyCopy({ ...op(['/dir/.'], '/existingdir'), ...c }, { source: stage, destRoot: b });
    for (const p of ['file', 'dir', 'dir/subdir', 'dir/subdir/nestedfile', 'existingdir/subdir', 'existingdir/subdir/nestedfile']) expect(owner(b, p)).toBe('300:400');
    expect(owner(b, 'existingdir')).toBe('500:600');
    expect(owner(b, 'existingdir/existingsubdir')).toBe('501:601');
  });
});

describe('applyCopy: symlinks and hardlinks', () => {
  it('a symlink named as a source (or matched) is followed; nested links stay links (testCopySymlinks)', async () => {
    const ctx = await ctxOf({
      files: { bar: 'bar-contents', 'sub/lfile': 'lfile-contents', 'sub/subfile': 'subfile-contents', 'sub/baz': 'baz-contents' },
      symlinks: { foo: 'bar', 'sub/l0': 'subfile', 'sub/l1': 'second', 'sub/second': 'baz' },
    });
    const r = rootfs();
    await applyCopy(op(['foo'], '/'), { source: ctx, destRoot: r });
    await applyCopy(op(['sub/l*'], 'alllinks/'), { source: ctx, destRoot: r });
    await applyCopy(op(['sub'], '/subcopy'), { source: ctx, destRoot: r });
    expect(lstatSync(join(r, 'foo')).isFile()).toBe(true);
    expect(read(r, 'foo')).toBe('bar-contents');
    expect(read(r, 'alllinks/l0')).toBe('subfile-contents');
    expect(read(r, 'alllinks/l1')).toBe('baz-contents');
    expect(read(r, 'alllinks/lfile')).toBe('lfile-contents');
    expect(lstatSync(join(r, 'subcopy/l0')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(r, 'subcopy/l0'))).toBe('subfile');
  });

  it('through a context symlink dir (testCopyThroughSymlinkContext) and a follow-all chain', async () => {
    const ctx = await ctxOf({ files: { 'sub/foo': 'contents', bar: 'bar-contents' }, dirs: ['foo'], symlinks: { link: 'sub', 'foo/sub': '../bar' } });
    const r = rootfs();
    await applyCopy(op(['link/foo'], '.'), { source: ctx, destRoot: r });
    await applyCopy(op(['foo'], '/'), { source: ctx, destRoot: r });
    await applyCopy(op(['foo/sub'], 'bar'), { source: ctx, destRoot: r });
    expect(read(r, 'foo')).toBe('contents');
    expect(read(r, 'bar')).toBe('bar-contents');
  });

  it('a context symlink pointing outside is copied as a symlink, never followed out', async () => {
    const outside = makeTree(t(), { files: { secret: 'SECRET' } });
    const ctx = await ctxOf({ files: { 'd/ok': 'ok' }, symlinks: { 'd/escape': join(outside, 'secret'), 'd/rel': '../../../../../../../../etc/passwd', top: join(outside, 'secret') } });
    const r = rootfs();
    await applyCopy(op(['d'], '/d'), { source: ctx, destRoot: r });
    expect(lstatSync(join(r, 'd/escape')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(r, 'd/escape'))).toBe(join(outside, 'secret'));
    expect(lstatSync(join(r, 'd/rel')).isSymbolicLink()).toBe(true);
    // named directly: resolved inside the context → not found there
    const err = await applyCopy(op(['top'], '/top'), { source: ctx, destRoot: r }).catch((e) => e);
    expect(err.code).toBe('E_COPY_SOURCE');
  });

  it('COPY --from resolves absolute and relative symlinks inside the stage root (testCopyThroughSymlinkMultiStage)', async () => {
    const src = makeTree(t(), { files: { 'out/sub/foo': 'data' }, symlinks: { sub: '/out/sub', sub2: 'out/sub' } });
    const r = rootfs();
    const stage: CopySource = { root: src, owner: 'preserve', name: 'stage build' };
    await applyCopy(op(['/sub/foo'], '.'), { source: stage, destRoot: r });
    await applyCopy(op(['/sub2/foo'], 'bar'), { source: stage, destRoot: r });
    expect(read(r, 'foo')).toBe('data');
    expect(read(r, 'bar')).toBe('data');
  });

  it('dest symlinks are resolved inside destRoot (absolute link to /etc stays in the rootfs)', async () => {
    const ctx = await ctxOf({ files: { foo: 'f' } });
    const r = rootfs();
    symlinkSync('/etc', join(r, 'link'));
    symlinkSync('../../../../../../tmp', join(r, 'up'));
    await applyCopy(op(['foo'], '/link/'), { source: ctx, destRoot: r });
    await applyCopy(op(['foo'], '/up/x'), { source: ctx, destRoot: r });
    expect(read(r, 'etc/foo')).toBe('f');
    expect(read(r, 'tmp/x')).toBe('f');
    expect(existsSync('/etc/foo')).toBe(false);
  });

  it('COPY --from keeps security.capability (read with getcap, set after chown)', async () => {
    const src = makeTree(t(), { files: { 'bin/ping': { content: 'ELF', mode: 0o755 }, 'bin/plain': 'x' } });
    execFileSync('setcap', ['cap_net_raw=ep', join(src, 'bin/ping')]);
    const r = rootfs();
    await applyCopy({ ...op(['/bin'], '/usr/bin'), chown: '1000:1000' }, { source: { root: src, owner: 'preserve', name: 'stage b' }, destRoot: r });
    expect(execFileSync('getcap', [join(r, 'usr/bin/ping')], { encoding: 'utf8' })).toContain('cap_net_raw=ep');
    expect(execFileSync('getcap', [join(r, 'usr/bin/plain')], { encoding: 'utf8' }).trim()).toBe('');
    expect(owner(r, 'usr/bin/ping')).toBe('1000:1000');
  });

  it('a later source never writes through a symlink an earlier source created (no host escape)', async () => {
    const outside = makeTree(t(), { files: { victim: 'original' } });
    const ctx = await ctxOf({ files: { 'b/x/escape': 'overwritten?' }, symlinks: { 'a/x/escape': join(outside, 'victim') } });
    const r = rootfs();
    await applyCopy(op(['a', 'b'], '/d/'), { source: ctx, destRoot: r });
    expect(readFileSync(join(outside, 'victim'), 'utf8')).toBe('original');
    expect(lstatSync(join(r, 'd/x/escape')).isFile()).toBe(true);
    expect(read(r, 'd/x/escape')).toBe('overwritten?');
  });

  it('hardlinks within one copy stay hardlinks', async () => {
    const ctx = await ctxOf({ files: { 'h/a': 'same' } });
    linkSync(join(ctx.dir, 'h/a'), join(ctx.dir, 'h/b'));
    const r = rootfs();
    await applyCopy(op(['h'], '/h'), { source: ctx, destRoot: r });
    expect(statSync(join(r, 'h/a')).ino).toBe(statSync(join(r, 'h/b')).ino);
  });
});

describe('applyCopy: dockerignore, --exclude, --parents, heredocs', () => {
  it('ignored files are invisible to COPY (testDockerignore)', async () => {
    const ctx = await ctxOf({ files: { foo: 'foo-contents', bar: 'b', baz: 'z', bay: 'bay-contents', Dockerfile: 'FROM scratch', '.dockerignore': '\nba*\nDockerfile\n!bay\n.dockerignore\n' } });
    const r = rootfs();
    await applyCopy(op(['.'], '/out/'), { source: ctx, destRoot: r });
    expect(read(r, 'out/foo')).toBe('foo-contents');
    expect(read(r, 'out/bay')).toBe('bay-contents');
    for (const a of ['.dockerignore', 'Dockerfile', 'bar', 'baz']) expect(existsSync(join(r, 'out', a))).toBe(false);
    const err = await applyCopy(op(['bar'], '/'), { source: ctx, destRoot: r }).catch((e) => e);
    expect(err.code).toBe('E_COPY_SOURCE');
  });

  it('an ignored directory with an exception keeps only the exception', async () => {
    const ctx = await ctxOf({ files: { 'd/keep.txt': 'k', 'd/drop.txt': 'd', '.dockerignore': 'd\n!d/keep.txt\n' } });
    const r = rootfs();
    await applyCopy(op(['.'], '/o/'), { source: ctx, destRoot: r });
    expect(read(r, 'o/d/keep.txt')).toBe('k');
    expect(existsSync(join(r, 'o/d/drop.txt'))).toBe(false);
  });

  it('--exclude patterns apply below each source', async () => {
    const ctx = await ctxOf({ files: { 'app/a.js': 'a', 'app/a.md': 'm', 'app/sub/b.md': 'm2', 'app/sub/b.js': 'b' } });
    const r = rootfs();
    await applyCopy({ ...op(['app'], '/app'), exclude: ['*.md', 'sub/*.md'] }, { source: ctx, destRoot: r });
    expect(read(r, 'app/a.js') + read(r, 'app/sub/b.js')).toBe('ab');
    expect(existsSync(join(r, 'app/a.md')) || existsSync(join(r, 'app/sub/b.md'))).toBe(false);
  });

  it('--parents keeps the source path (testCopyParents) and honours /./ pivots', async () => {
    const ctx = await ctxOf({ files: { 'foo1/foo2/bar': 'testing', 'foo1/foo2/baz': 'testing2', 'x/y/z/f': 'pivot' } });
    chmodSync(join(ctx.dir, 'foo1'), 0o750);
    const r = rootfs();
    await applyCopy({ ...op(['foo1/foo2/bar'], '/'), parents: true }, { source: ctx, destRoot: r });
    await applyCopy({ ...op(['foo1/foo2/ba*'], '.'), parents: true }, { source: ctx, destRoot: r, workdir: '/test' });
    await applyCopy({ ...op(['x/./y/z/f'], '/p/'), parents: true }, { source: ctx, destRoot: r });
    expect(read(r, 'foo1/foo2/bar')).toBe('testing');
    expect(mode(r, 'foo1')).toBe(0o750);
    expect(read(r, 'test/foo1/foo2/bar')).toBe('testing');
    expect(read(r, 'test/foo1/foo2/baz')).toBe('testing2');
    expect(read(r, 'p/y/z/f')).toBe('pivot');
    const err = await applyCopy({ ...op(['foo1/missing'], '/'), parents: true }, { source: ctx, destRoot: r }).catch((e) => e);
    expect(err.code).toBe('E_COPY_SOURCE');
  });

  it('heredocs become files named after the delimiter, mode 0644, honouring --chmod/--chown (testCopyHeredoc)', async () => {
    const r = rootfs();
    await applyCopy({ ...op(['<<EOF'], 'single'), heredocs: [{ name: 'EOF', content: 'single file\n' }] }, { destRoot: r, workdir: '/dest' });
    await applyCopy({ ...op(['<<EOF', '<<EOF2'], 'double/'), heredocs: [{ name: 'EOF', content: 'first file\n' }, { name: 'EOF2', content: 'second file\n' }] }, { destRoot: r, workdir: '/dest' });
    await applyCopy({ ...op(['<<EOF'], '/permfiles/all'), chmod: '777', heredocs: [{ name: 'EOF', content: 'x\n' }] }, { destRoot: r });
    await applyCopy({ ...op(['<<EOF'], '/permfiles/owned'), chown: 'user:user', heredocs: [{ name: 'EOF', content: 'x\n' }] }, { destRoot: r });
    expect(read(r, 'dest/single')).toBe('single file\n');
    expect(mode(r, 'dest/single')).toBe(0o644);
    expect(read(r, 'dest/double/EOF')).toBe('first file\n');
    expect(read(r, 'dest/double/EOF2')).toBe('second file\n');
    expect(mode(r, 'permfiles/all')).toBe(0o777);
    expect(owner(r, 'permfiles/owned')).toBe('1000:1000');
  });
});
