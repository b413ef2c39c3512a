/**
 * The two backends of the privileged syscalls — the in-process addon (native/sys.c) and the perl
 * fallback server — give the same answers and the same errors for every call tsbuild makes, with
 * paths as bytes (a name that is not UTF-8 is made, read and written exactly).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeSysCalls, perlServer, readAllXattrsSync, sys as processSys, sysAddon, SyscallError, type SysCalls } from '@tsbuild/sys';

const root = process.getuid?.() === 0;
const addon = sysAddon();
const perl = () => perlServer();

// the process's own choice (addon, or perl with TSBUILD_NO_NATIVE=1), as tsbuild's callers use it
const writeCapabilities = (items: { path: string | Buffer; value: Buffer }[]) =>
  processSys()!.setxattrs(items.map((i) => ({ path: i.path, name: 'security.capability', value: i.value })));
const readCapabilities = (paths: (string | Buffer)[]) => processSys()!.getxattrs(paths.map((path) => ({ path, name: 'security.capability' })));

// cap_net_bind_service+ep, VFS_CAP_REVISION_2
const CAP = Buffer.from('0100000200040000000000000000000000000000', 'hex');

function mounted(target: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === target);
}

describe('syscall addon build', () => {
  it('is built wherever a C compiler and Node headers are there', () => {
    const cc = spawnSync('cc', ['--version']).status === 0;
    const headers = ['/usr/include/node', join(process.execPath, '../../include/node')].some((d) => existsSync(join(d, 'node_api.h')));
    if (process.platform !== 'linux' || !cc || !headers || process.env.TSBUILD_NO_NATIVE) return;
    expect(addon, 'dist/native/sys.node should be built by npm run build and load').toBeDefined();
  });
});

const backends: [string, () => SysCalls | undefined][] = [
  ['addon', () => (addon ? new NativeSysCalls(addon) : undefined)],
  ['perl server', perl],
];

describe.skipIf(!root)('privileged syscalls', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsb-sys-'));
    writeFileSync(join(dir, 'plain'), 'x');
    writeFileSync(join(dir, 'capped'), 'y');
    symlinkSync('capped', join(dir, 'link'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, make] of backends) {
    describe(name, () => {
      const sys = make();
      it('is available on this machine', () => expect(sys !== undefined || (name === 'addon' && Boolean(process.env.TSBUILD_NO_NATIVE))).toBe(true));
      if (!sys) return;

      it('mounts and unmounts, relative paths resolved against cwd, the process cwd unchanged', async () => {
        const sub = join(dir, `mnt-${name.replace(/\W/g, '')}`);
        mkdirSync(sub);
        const before = process.cwd();
        await sys.mount('tmpfs', sub.slice(dir.length + 1), 'tmpfs', 0, 'size=1m,mode=0711', dir);
        expect(process.cwd()).toBe(before);
        expect(mounted(sub)).toBe(true);
        writeFileSync(join(sub, 'f'), 'in tmpfs');
        await sys.umount(sub);
        expect(mounted(sub)).toBe(false);
        expect(existsSync(join(sub, 'f'))).toBe(false);
      });

      it('reports errno as SyscallError codes', async () => {
        const e1 = await sys.mount('tmpfs', join(dir, 'missing'), 'tmpfs', 0, '').catch((e: unknown) => e);
        expect(e1).toBeInstanceOf(SyscallError);
        expect((e1 as SyscallError).code).toBe('ENOENT');
        expect((e1 as Error).message).toMatch(/^mount tmpfs on .*missing: ENOENT/);
        const e2 = await sys.umount(dir).catch((e: unknown) => e);
        expect((e2 as SyscallError).code).toBe('EINVAL');
        const e3 = await sys.mount('none', join(dir, 'plain'), 'nosuchfs', 0, '').catch((e: unknown) => e);
        expect((e3 as SyscallError).code).toBe('ENODEV');
      });

      it('reads xattrs without following symlinks; absent ones are missing', async () => {
        await writeCapabilities([{ path: join(dir, 'capped'), value: CAP }]);
        const got = await sys.getxattrs([
          { path: join(dir, 'plain'), name: 'security.capability' },
          { path: join(dir, 'capped'), name: 'security.capability' },
          { path: join(dir, 'link'), name: 'security.capability' },
          { path: join(dir, 'nothere'), name: 'security.capability' },
        ]);
        expect([...got.keys()]).toEqual([1]);
        expect(got.get(1)).toEqual(CAP);
      });

      it('answers big batches by query index', async () => {
        await writeCapabilities([{ path: join(dir, 'capped'), value: CAP }]);
        const queries = Array.from({ length: 5000 }, (_, i) => ({ path: join(dir, i % 1000 === 999 ? 'capped' : 'plain'), name: 'security.capability' }));
        const got = await sys.getxattrs(queries);
        expect([...got.keys()]).toEqual([999, 1999, 2999, 3999, 4999]);
        for (const v of got.values()) expect(v).toEqual(CAP);
      });

      it('refuses NUL bytes in arguments', async () => {
        await expect(sys.umount(`${dir}\0x`)).rejects.toThrow(/NUL/);
        await expect(sys.mknod([{ path: Buffer.from(`${dir}/a\0b`), mode: 0o10600, major: 0, minor: 0 }])).rejects.toThrow(/NUL/);
      });

      it('names are bytes: a FIFO, a device and xattrs on a name that is not UTF-8', async () => {
        const tag = name.replace(/\W/g, '');
        const bytes = (s: string) => Buffer.concat([Buffer.from(`${dir}/${tag}-${s}-`), Buffer.from([0xff, 0xfe])]);
        const fifo = bytes('fifo');
        const dev = bytes('dev');
        await sys.mknod([{ path: fifo, mode: 0o10640, major: 0, minor: 0 }, { path: dev, mode: 0o20600, major: 4, minor: 300 }]);
        expect(lstatSync(fifo).isFIFO()).toBe(true);
        expect(lstatSync(fifo).mode & 0o777).toBe(0o640);
        expect(lstatSync(dev).isCharacterDevice()).toBe(true);
        // glibc's dev_t: minor's low byte, major << 8, minor's upper bits << 12
        expect(lstatSync(dev).rdev).toBe(0x2c | (4 << 8) | (0x100 << 12));
        await sys.setxattrs([{ path: fifo, name: 'trusted.x', value: Buffer.from([0, 0xff]) }, { path: dev, name: 'security.capability', value: CAP }]);
        const got = await sys.getxattrs([{ path: fifo, name: 'trusted.x' }, { path: dev, name: 'security.capability' }, { path: bytes('absent'), name: 'trusted.x' }]);
        expect(got.get(0)).toEqual(Buffer.from([0, 0xff]));
        expect(got.get(1)).toEqual(CAP);
        expect(got.has(2)).toBe(false);
        const lists = await sys.listxattrs([fifo, dev, join(dir, 'plain')]);
        expect(lists.get(0)).toEqual(['trusted.x']);
        expect(lists.get(1)).toEqual(['security.capability']);
        expect(lists.has(2)).toBe(false);
        expect(readAllXattrsSync([dev])[0]!.get('security.capability')).toEqual(CAP);
        const again = await sys.mknod([{ path: fifo, mode: 0o10600, major: 0, minor: 0 }]).catch((e: unknown) => e);
        expect((again as SyscallError).code).toBe('EEXIST');
        const bad = await sys.setxattrs([{ path: bytes('gone'), name: 'trusted.x', value: Buffer.from('v') }]).catch((e: unknown) => e);
        expect((bad as SyscallError).code).toBe('ENOENT');
        rmSync(fifo);
        rmSync(dev);
      });
    });
  }

  it('capabilities written by one backend read the same through the other', async () => {
    const f = join(dir, 'roundtrip');
    writeFileSync(f, 'z');
    await writeCapabilities([{ path: f, value: CAP }]);
    expect((await readCapabilities([join(dir, 'plain'), f])).get(1)).toEqual(CAP);
    const server = perl();
    if (server) expect((await server.getxattrs([{ path: f, name: 'security.capability' }])).get(0)).toEqual(CAP);
    if (addon) expect((await new NativeSysCalls(addon).getxattrs([{ path: f, name: 'security.capability' }])).get(0)).toEqual(CAP);
  });

  it('a failed lsetxattr names the path and the errno', async () => {
    await expect(writeCapabilities([{ path: join(dir, 'gone'), value: CAP }])).rejects.toThrow(/gone.*ENOENT/);
  });
});
