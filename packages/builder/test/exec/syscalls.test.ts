/**
 * The two backends of the privileged syscalls — the in-process addon (native/sys.c) and the perl
 * helper process — give the same answers and the same errors for every call tsbuild makes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sysAddon } from '../../src/exec/native-sys.js';
import { NativeSysCalls, SysHelper, SyscallError, type SysCalls } from '../../src/exec/sys-helper.js';
import { hostTools } from '../../src/exec/host-tools.js';
import { readCapabilities, writeCapabilities } from '../../src/copy/capabilities.js';

const root = process.getuid?.() === 0;
const perl = hostTools().perl;
const addon = sysAddon();
const NR: Partial<Record<string, [number, number, number, number]>> = { x64: [165, 166, 192, 259], arm64: [40, 39, 9, 33] };

// cap_net_bind_service+ep, VFS_CAP_REVISION_2
const CAP = Buffer.from('0100000200040000000000000000000000000000', 'hex');

function mounted(target: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === target);
}

describe('syscall addon build', () => {
  it('is built wherever a C compiler and Node headers are there', () => {
    const cc = spawnSync('cc', ['--version']).status === 0;
    const headers = ['/usr/include/node', join(process.execPath, '../../include/node')].some((d) => existsSync(join(d, 'node_api.h')));
    if (process.platform !== 'linux' || !cc || !headers) return;
    expect(addon, 'dist/native/sys.node should be built by npm run build and load').toBeDefined();
  });
});

const backends: [string, () => SysCalls | undefined][] = [
  ['addon', () => (addon ? new NativeSysCalls(addon) : undefined)],
  ['perl helper', () => (perl && NR[process.arch] ? new SysHelper(perl, NR[process.arch]!) : undefined)],
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
      it('is available on this machine', () => expect(sys).toBeDefined());
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
      });
    });
  }

  it('capabilities written by one backend read the same through the other', async () => {
    const f = join(dir, 'roundtrip');
    writeFileSync(f, 'z');
    await writeCapabilities([{ path: f, value: CAP }]);
    expect((await readCapabilities([join(dir, 'plain'), f])).get(1)).toEqual(CAP);
    if (perl && NR[process.arch]) {
      const helper = new SysHelper(perl, NR[process.arch]!);
      expect((await helper.getxattrs([{ path: f, name: 'security.capability' }])).get(0)).toEqual(CAP);
    }
  });

  it('the perl helper makes FIFOs (a step\'s stdout/stderr without the addon), and says EEXIST', async () => {
    if (!perl || !NR[process.arch]) return;
    const helper = new SysHelper(perl, NR[process.arch]!);
    const f = join(dir, 'fifo');
    await helper.mkfifo(f, 0o600);
    const st = lstatSync(f);
    expect(st.isFIFO()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    const again = await helper.mkfifo(f).catch((e: unknown) => e);
    expect((again as SyscallError).code).toBe('EEXIST');
  });

  it('a failed lsetxattr names the path and the errno', async () => {
    await expect(writeCapabilities([{ path: join(dir, 'gone'), value: CAP }])).rejects.toThrow(/gone.*ENOENT|gone: No such file/);
  });
});
