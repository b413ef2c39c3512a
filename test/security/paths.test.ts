/**
 * Attacks on path handling (issue 16, items 1-3, 7-9), end to end through the installed bin:
 * a Dockerfile, a build context, a build stage or an image tries to reach a canary directory on
 * the host. Each test asserts the canary is untouched (no new, removed or changed entry: mode,
 * owner, size, content, mtime, xattrs) AND what the build did, as BuildKit does it: a clear error,
 * or success with the file inside the image.
 *
 * Everything runs twice: with the syscall addon, and with TSBUILD_NO_NATIVE=1 (its perl fallback).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it as vit } from 'vitest';
import { createServer, type Server } from 'node:http';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, lstatSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAllXattrsSync } from '@tsbuild/sys';
import { CopySnapshotter } from '@tsbuild/builder/engine';
import { busyboxRootfs } from '../helpers/busybox.js';
import { busyboxRootfsTar, Canary, CliStore, dockerArchive, writeLayerTar } from './canary.js';

let server: Server;
let port = 0;
beforeAll(async () => {
  server = createServer((_req, res) => res.writeHead(200).end('from-url\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as { port: number }).port;
});
afterAll(() => server?.close());

/** the whole suite with the syscall addon, and again with its perl fallback */
const MODES: { name: string; env: NodeJS.ProcessEnv; few?: boolean }[] = [
  { name: 'addon', env: {} },
  { name: 'perl server (TSBUILD_NO_NATIVE=1)', env: { TSBUILD_NO_NATIVE: '1' } },
  // the plain bundle instead of the startup snapshot: a representative few
  { name: 'plain bundle (TSBUILD_NO_SNAPSHOT=1)', env: { TSBUILD_NO_SNAPSHOT: '1' }, few: true },
];
/** tests the `few` modes run too */
const REPRESENTATIVE = /heredoc name with|swap a dir|FROM scratch|symlink to \/ or to a host dir mounts/;

for (const mode of MODES) describe(mode.name, () => {
  let s: CliStore;
  let canary: Canary;
  let n = 0;
  const it = (name: string, fn: () => unknown) => (mode.few && !REPRESENTATIVE.test(name) ? vit.skip : vit)(name, fn);
  beforeAll(() => {
    s = new CliStore(mode.env);
  });
  afterAll(() => s?.cleanup());
  /** every canary of the current test (removed after it, pass or fail) */
  const canaries: Canary[] = [];
  afterEach(() => {
    for (const c of canaries.splice(0)) c.cleanup();
  });

  /** a fresh canary, and a context dir for this test */
  function setup(files: Record<string, string> = {}): { ctx: string; out: string } {
    canary = new Canary();
    canaries.push(canary);
    const ctx = s.dir(`ctx-${n}`);
    for (const [p, c] of Object.entries(files)) writeFileSync(join(ctx, p), c);
    return { ctx, out: join(s.base, `out-${n++}`) };
  }

  /** `../` enough times to climb from any rootfs to the host's `/` */
  const UP = '../'.repeat(24);

  function expectHostUntouched(): void {
    expect(canary.changes()).toEqual([]);
  }

  describe('item 1: COPY/ADD names are file names', () => {
    it('a heredoc name with ../ and a directory part fails clearly, nothing written on the host', () => {
      const { ctx } = setup();
      const name = `${UP}${canary.dir.slice(1)}/pwned`;
      const r = s.build(`FROM busybox\nCOPY <<${name} /dst/\nhost-write\n${name}\n`, ctx);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('not a single file name');
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expectHostUntouched();
    });

    it('a heredoc name `../victim` is the file `victim` in dest, as BuildKit makes it (Mkfile in scratch)', () => {
      const { ctx, out } = setup();
      const r = s.build(`FROM busybox\nCOPY <<../victim ${canary.dir}/\nin-image\n../victim\n`, ctx, { out });
      expect(r.stderr).toBe(r.code === 0 ? r.stderr : '');
      expect(r.code).toBe(0);
      // dest is the canary's path INSIDE the image
      expect(readFileSync(join(out, canary.dir, 'victim'), 'utf8')).toBe('in-image\n');
      expectHostUntouched();
    });

    it('an ADD URL whose file name decodes to ../../…/pwned lands as `pwned` inside dest (base of the decoded path)', async () => {
      const { ctx, out } = setup();
      const evil = `${UP}${canary.dir.slice(1)}/pwned`.replaceAll('/', '%2F');
      const r = await s.buildAsync(`FROM busybox\nADD http://127.0.0.1:${port}/a/${evil} /dst/\n`, ctx, { out });
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(join(out, 'dst/pwned'), 'utf8')).toBe('from-url\n');
      expectHostUntouched();
    });

    it('an ADD URL whose file name decodes to `..` fails clearly', async () => {
      const { ctx } = setup();
      const r = await s.buildAsync(`FROM busybox\nADD http://127.0.0.1:${port}/a/..%2F.. /dst/\n`, ctx);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('not a single file name');
      expectHostUntouched();
    });

    it('COPY and WORKDIR through a symlink to a host path stay inside the rootfs', () => {
      const { ctx, out } = setup({ f: 'copied\n' });
      const r = s.build(`FROM busybox\nRUN ln -s ${canary.dir} /link && ln -s ${UP}${canary.dir.slice(1)} /rel\nCOPY f /link/f\nCOPY f /rel/g\nWORKDIR /link/wd\n`, ctx, { out });
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(join(out, canary.dir, 'f'), 'utf8')).toBe('copied\n');
      expect(readFileSync(join(out, canary.dir, 'g'), 'utf8')).toBe('copied\n');
      expect(statSync(join(out, canary.dir, 'wd')).isDirectory()).toBe(true);
      expectHostUntouched();
    });
  });

  describe('item 2: bind-mount sources resolve inside their root', () => {
    it('from=stage, source = a symlink to / or to a host dir mounts the stage\'s own path', () => {
      const { ctx, out } = setup();
      const r = s.build(
        `FROM busybox AS evil\nRUN ln -s / /hostroot && mkdir -p ${canary.dir} && echo inside > ${canary.dir}/inside-marker && ln -s ${canary.dir} /canary && echo evil > /evil-marker\n` +
          `FROM busybox\nRUN --mount=type=bind,from=evil,source=hostroot,target=/h ls -a /h > /listing\n` +
          `RUN --mount=type=bind,from=evil,source=canary,target=/c,rw sh -c 'ls -a /c > /listing2; echo x > /c/new; chmod 777 /c/inside-marker'\n` +
          `RUN --mount=type=bind,from=evil,source=canary,target=/c sh -c 'ls -a /c > /listing3; touch /c/new2 2>/dev/null; true'\n`,
        ctx,
        { out },
      );
      expect(r.code, r.stderr).toBe(0);
      const listing = readFileSync(join(out, 'listing'), 'utf8').split('\n');
      expect(listing).toContain('evil-marker');
      expect(listing).toContain('hostroot');
      expect(readFileSync(join(out, 'listing2'), 'utf8').split('\n')).toContain('inside-marker');
      expect(readFileSync(join(out, 'listing3'), 'utf8').split('\n')).toContain('inside-marker');
      expectHostUntouched();
    });

    it('from=stage, a source link to a path the stage does not have fails clearly (rw and ro)', () => {
      const { ctx } = setup();
      for (const rw of [',rw', '']) {
        const r = s.build(`FROM busybox AS evil\nRUN ln -s ${canary.dir} /canary\nFROM busybox\nRUN --mount=type=bind,from=evil,source=canary,target=/c${rw} sh -c 'touch /c/new; true'\n`, ctx);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain('E_MOUNT');
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
      expectHostUntouched();
    });

    it('a mount target nested in a bind mount never goes through a link of that mount\'s source', () => {
      const { ctx } = setup({ f: 'ctx-file\n' });
      const r = s.build(
        `FROM busybox AS evil\nRUN mkdir /m && ln -s ${canary.dir} /m/h\n` +
          `FROM busybox\nRUN --mount=type=bind,from=evil,source=m,target=/x --mount=type=bind,source=f,target=/x/h/victim cat /x/h/victim\n`,
        ctx,
      );
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('goes through a symlink in the mount at /x');
      expectHostUntouched();
    });

    it('a context symlink to / as the source mounts the context; one to a host dir is not found', () => {
      const { ctx, out } = setup({ 'ctx-marker': 'ctx\n' });
      symlinkSync('/', join(ctx, 'hostroot'));
      symlinkSync(canary.dir, join(ctx, 'canary'));
      const r = s.build(`FROM busybox\nRUN --mount=type=bind,source=hostroot,target=/h ls -a /h > /listing\n`, ctx, { out });
      expect(r.code, r.stderr).toBe(0);
      const listing = readFileSync(join(out, 'listing'), 'utf8').split('\n');
      expect(listing).toContain('ctx-marker');
      expect(listing).not.toContain('etc');
      const r2 = s.build(`FROM busybox\nRUN --mount=type=bind,source=canary,target=/c,rw sh -c 'touch /c/new; true'\n`, ctx);
      expect(r2.code).not.toBe(0);
      expect(r2.stderr).toContain('not found');
      expect(r2.stderr).not.toMatch(/\n\s+at /);
      expectHostUntouched();
    });
  });

  /** the layer of item 3: a directory full of dangerous things, then replaced by a symlink to the canary */
  async function swapLayer(path: string, target: string): Promise<void> {
    await writeLayerTar(path, [
      { name: 'd/', type: 'directory' },
      // cap_chown,cap_setgid=ep (VFS_CAP_REVISION_2; no byte above 0x7f: writeLayerTar's pax values are UTF-8 text)
      { name: 'd/victim', body: 'evil\n', mode: 0o4755, xattrs: { 'security.capability': Buffer.from('0100000241000000000000000000000000000000', 'hex'), 'user.evil': Buffer.from('1') } },
      { name: 'd/fifo', type: 'fifo' },
      { name: 'd/disk', type: 'block-device', devmajor: 254, devminor: 0 },
      { name: 'd/.wh.x', body: '' },
      { name: 'd/sub/', type: 'directory' },
      { name: 'd/sub/.wh..wh..opq', body: '' },
      { name: 'd/emptydir/', type: 'directory', mode: 0o700 },
      { name: 'd', type: 'symlink', linkname: target },
    ]);
  }

  describe('item 3: a malicious layer never touches the host when unpacked', () => {
    it('swap a dir for a link to a host dir: FROM it (overlay snapshot) and -o type=local (flatten)', async () => {
      const { ctx, out } = setup();
      const layer = join(s.base, `swap-${n}.tar`);
      await swapLayer(layer, canary.dir);
      const archive = join(s.base, `swap-${n}-image.tar`);
      dockerArchive(archive, 'evil-swap:1', [busyboxRootfsTar(), layer]);
      const l = s.run(['load', '-i', archive]);
      expect(l.code, l.stderr).toBe(0);
      const r = s.build(`FROM evil-swap:1\nRUN ls -la /d/ > /listing 2>&1; readlink /d > /target\n`, ctx, { out });
      expect(r.code, r.stderr).toBe(0);
      // as containerd applies it: the last entry wins, `d` is the symlink (inside the image)
      expect(lstatSync(join(out, 'd')).isSymbolicLink()).toBe(true);
      expect(readFileSync(join(out, 'target'), 'utf8')).toBe(`${canary.dir}\n`);
      expectHostUntouched();
    });

    it('the same entries without the swap land inside the snapshot: capability, fifo, device, whiteouts', async () => {
      const { ctx, out } = setup();
      const layer = join(s.base, `noswap-${n}.tar`);
      await writeLayerTar(layer, [
        { name: 'd/', type: 'directory' },
        { name: 'd/victim', body: 'evil\n', mode: 0o755, xattrs: { 'security.capability': Buffer.from('0100000241000000000000000000000000000000', 'hex') } },
        { name: 'd/fifo', type: 'fifo' },
        { name: 'd/disk', type: 'block-device', devmajor: 254, devminor: 0 },
      ]);
      const archive = join(s.base, `noswap-${n}-image.tar`);
      dockerArchive(archive, 'evil-noswap:1', [busyboxRootfsTar(), layer]);
      expect(s.run(['load', '-i', archive]).code).toBe(0);
      const r = s.build(`FROM evil-noswap:1\nRUN ls -l /d/ > /listing\n`, ctx, { out });
      expect(r.code, r.stderr).toBe(0);
      // inside the RUN (overlay snapshot of the layer): a fifo and a block device 254,0
      const listing = readFileSync(join(out, 'listing'), 'utf8');
      expect(listing).toMatch(/^p.* fifo$/m);
      expect(listing).toMatch(/^b.* 254,\s+0 .*disk$/m);
      expect(readAllXattrsSync([join(out, 'd/victim')])[0]!.get('security.capability')?.toString('hex')).toBe('0100000241000000000000000000000000000000');
      expect(lstatSync(join(out, 'd/fifo')).isFIFO()).toBe(true);
      expect(lstatSync(join(out, 'd/disk')).isBlockDevice()).toBe(true);
      expectHostUntouched();
    });

    it('flatten: an opaque whiteout removes a checked dir, a link takes its place, a file goes below it: refused', async () => {
      const { ctx, out } = setup();
      const lower = join(s.base, `opq-lower-${n}.tar`);
      await writeLayerTar(lower, [{ name: 'a/', type: 'directory' }, { name: 'a/sub/', type: 'directory' }, { name: 'a/sub/old', body: 'old' }]);
      const upper = join(s.base, `opq-upper-${n}.tar`);
      await writeLayerTar(upper, [
        { name: 'a/sub/.wh.zzz', body: '' },
        { name: 'a/.wh..wh..opq', body: '' },
        { name: 'a/sub', type: 'symlink', linkname: canary.dir },
        { name: 'a/sub/pwned', body: 'pwned\n' },
      ]);
      const archive = join(s.base, `opq-${n}-image.tar`);
      dockerArchive(archive, 'evil-opq:1', [busyboxRootfsTar(), lower, upper]);
      const l = s.run(['load', '-i', archive]);
      // refused at load (an entry below a symlink of the same tar) or at extraction: never followed
      if (l.code === 0) {
        const r = s.build(`FROM evil-opq:1\n`, ctx, { out });
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(/E_UNSAFE_PATH|symlink/);
      } else {
        expect(l.stderr).toMatch(/symlink/);
      }
      expectHostUntouched();
    });
  });

  describe('item 8: mount-stub cleanup never follows a link the step planted', () => {
    it('stub dirs and files moved away and replaced by a link to a host dir', () => {
      const { ctx, out } = setup({ empty: '' });
      const r = s.build(
        `FROM busybox\nRUN --mount=type=tmpfs,target=/newdir/sub --mount=type=bind,source=empty,target=/newf/hosts ` +
          `sh -c 'mv /newdir /moved && ln -s ${canary.dir} /newdir && mv /newf /movedf && ln -s ${canary.dir} /newf'\n`,
        ctx,
        { out },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(readlinkSync(join(out, 'newdir'))).toBe(canary.dir);
      expectHostUntouched();
    });

    it('FROM scratch: /etc stubs moved away, /etc replaced by a link to a host dir', () => {
      const { ctx, out } = setup();
      const r = s.build(
        `FROM busybox AS bb\nFROM scratch\nCOPY --from=bb /bin/busybox /bin/busybox\n` +
          `RUN ["/bin/busybox", "sh", "-c", "/bin/busybox mv /etc /moved && /bin/busybox ln -s ${canary.dir} /etc"]\n`,
        ctx,
        { out },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(readlinkSync(join(out, 'etc'))).toBe(canary.dir);
      expectHostUntouched();
    });
  });

  describe('item 7: the store is closed to other users', () => {
    it('store root 0700: nobody cannot run a setuid-root binary from snapshots/; an old 0755 store is fixed on open', () => {
      const { ctx } = setup();
      const r = s.build(`FROM busybox\nRUN cp /bin/busybox /sus && chmod 4755 /sus\n`, ctx);
      expect(r.code, r.stderr).toBe(0);
      expect(statSync(s.root).mode & 0o7777).toBe(0o700);
      // the setuid binary is in some snapshot (or upper dir) of the store
      const found = execFileSync('find', [s.root, '-name', 'sus', '-perm', '-4000'], { encoding: 'utf8' }).split('\n').filter(Boolean);
      expect(found.length).toBeGreaterThan(0);
      const asNobody = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', found[0]!, 'id', '-u'], { encoding: 'utf8' });
      expect(asNobody.status).not.toBe(0);
      expect(asNobody.stdout).not.toContain('0');
      chmodSync(s.root, 0o755);
      expect(s.run(['images']).code).toBe(0);
      expect(statSync(s.root).mode & 0o7777).toBe(0o700);
      expectHostUntouched();
    });
  });

  describe('item 9: USER ids beyond 2147483647 fail, as runc', () => {
    for (const user of ['4294967295', '4294967296:4294967296', '2147483648:0', '99999999999999999999999']) {
      it(`USER ${user}`, () => {
        const { ctx } = setup();
        const r = s.build(`FROM busybox\nUSER ${user}\nRUN id > /id\n`, ctx);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain('uids and gids must be in range 0-2147483647');
        expectHostUntouched();
      });
    }

    it('a FIFO or a device planted as /etc/passwd is no passwd file (BuildKit: regular files only), never a hang', () => {
      const { ctx, out } = setup();
      const r = s.build(`FROM busybox\nRUN rm /etc/passwd && mkfifo /etc/passwd && rm /etc/group && ln -s /dev/zero /etc/group\nUSER 1000:1000\nRUN echo $HOME > /tmp/home\nUSER app\nRUN true\n`, ctx, { out });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('unable to find user app');
      expectHostUntouched();
    });

    it('USER 2147483647:5 runs as that uid', () => {
      const { ctx, out } = setup();
      const r = s.build(`FROM busybox\nUSER 2147483647:5\nRUN id -u > /tmp/id\n`, ctx, { out });
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(join(out, 'tmp/id'), 'utf8')).toBe('2147483647\n');
    });
  });
});

describe('copy snapshotter (the fallback without overlayfs)', () => {
  vit('a lower layer\'s link where an upper layer has a directory: nothing is removed through it', async () => {
    const canary = new Canary();
    const work = mkdtempSync('/var/tmp/tsbuild-sec-copysnap-');
    try {
      // lower: `a -> <canary>` (absolute, like a RUN `ln -s`); upper (overlay form): `a/` with a victim and hosts
      const lower = join(work, 'lower');
      mkdirSync(lower);
      symlinkSync(canary.dir, join(lower, 'a'));
      const upper = join(work, 'upper');
      mkdirSync(join(upper, 'a'), { recursive: true });
      // every name the canary has: the old code removed each through the link, racing the link's own removal
      const names = ['victim', 'hosts', 'resolv.conf', 'hostname', 'x', 'empty'];
      for (const f of names) writeFileSync(join(upper, 'a', f), f === 'victim' ? 'in-image\n' : '');
      mkdirSync(join(upper, 'a/sub/keep'), { recursive: true });
      symlinkSync('x', join(upper, 'a/sub/keep/file'));
      const m = await new CopySnapshotter().prepare([busyboxRootfs(), lower, upper], { scratchDir: join(work, 'scratch') });
      try {
        expect(lstatSync(join(m.root, 'a')).isDirectory()).toBe(true);
        expect(readFileSync(join(m.root, 'a/victim'), 'utf8')).toBe('in-image\n');
      } finally {
        await m.release();
      }
      expect(canary.changes()).toEqual([]);
    } finally {
      canary.cleanup();
      rmSync(work, { recursive: true, force: true });
    }
  });
});
