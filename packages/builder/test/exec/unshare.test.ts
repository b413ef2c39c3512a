import { afterAll, describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OverlaySnapshotter } from '../../src/snapshot/overlay.js';
import { UnshareExecutor } from '../../src/exec/unshare.js';
import { hostTools } from '../../src/exec/host-tools.js';
import type { Mounted, RunSpec } from '../../src/exec/types.js';
import { BuildError } from '../../src/errors.js';
import { overlayChanges } from '../../src/diff/overlay-diff.js';
import { filterResolvConf } from '../../src/exec/etc-files.js';
import { busyboxBinary, busyboxRootfs } from '../../../../test/helpers/busybox.js';

const work = mkdtempSync('/var/tmp/tsbuild-exec-test-');
const snap = new OverlaySnapshotter();
const exec = new UnshareExecutor({ tmpDir: work });
const mounted: Mounted[] = [];
let n = 0;
const PATH = 'PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin';

async function mount(lowers = [busyboxRootfs()]): Promise<Mounted> {
  const m = await snap.prepare(lowers, { scratchDir: join(work, `s${n++}`) });
  mounted.push(m);
  return m;
}

async function run(m: Mounted, args: string[], extra: Partial<RunSpec> = {}) {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const r = await exec.run({
    rootfs: m.root, args, env: [PATH], cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] }, network: 'none', hostname: 'buildhost',
    mounts: [], onStdout: (c) => out.push(c), onStderr: (c) => err.push(c), ...extra,
  });
  return { ...r, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

const sh = (m: Mounted, script: string, extra: Partial<RunSpec> = {}) => run(m, ['/bin/sh', '-c', script], extra);

afterAll(async () => {
  for (const m of mounted) await m.release();
  exec.dispose();
  rmSync(work, { recursive: true, force: true });
});

describe('UnshareExecutor', () => {
  test('exit codes and output streams', async () => {
    const m = await mount();
    const r = await sh(m, 'echo out; echo err >&2; exit 42');
    expect(r).toMatchObject({ exitCode: 42, stdout: 'out\n', stderr: 'err\n' });
    expect((await sh(m, 'true')).exitCode).toBe(0);
    const missing = await run(m, ['/no/such/binary']);
    expect(missing.exitCode).toBe(127);
  });

  test('output is streamed while the step runs', async () => {
    const m = await mount();
    const seen: number[] = [];
    const t0 = Date.now();
    const r = await exec.run({
      rootfs: m.root, args: ['/bin/sh', '-c', 'echo first; sleep 1; echo second'], env: [PATH], cwd: '/',
      user: { uid: 0, gid: 0, additionalGids: [] }, network: 'none', hostname: 'h', mounts: [],
      onStdout: () => seen.push(Date.now() - t0),
    });
    const end = Date.now() - t0;
    expect(r.exitCode).toBe(0);
    expect(seen.length).toBe(2);
    expect(end - seen[0]!).toBeGreaterThan(700);
  });

  test('user, group and supplementary groups; capabilities narrowed to the Docker default set', async () => {
    const m = await mount();
    const r = await sh(m, 'id -u; id -g; id -G; grep -E "^Cap(Eff|Bnd)" /proc/self/status', { user: { uid: 1000, gid: 1000, additionalGids: [50, 10] } });
    const [uid, gid, groups, capEff] = r.stdout.trim().split('\n');
    expect(uid).toBe('1000');
    expect(gid).toBe('1000');
    expect(new Set(groups!.split(' '))).toEqual(new Set(['1000', '50', '10']));
    expect(capEff).toMatch(/CapEff:\s+0+$/);
    const root = await sh(m, 'id -u; id -G; grep -E "^CapBnd" /proc/self/status');
    expect(root.stdout).toMatch(/^0\n0\nCapBnd:\s+0*a80425fb\n$/);
    const nogroups = await sh(m, 'id -G', { user: { uid: 33, gid: 33, additionalGids: [] } });
    expect(nogroups.stdout.trim()).toBe('33');
  });

  test('environment is exactly spec.env (nothing of the host leaks), HOME added from passwd when missing as runc does', async () => {
    const m = await mount();
    const r = await run(m, ['/bin/env'], { env: ['PATH=/bin', 'A=1', 'B=with space', 'EMPTY=', 'HOME=/custom'] });
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['A=1', 'B=with space', 'EMPTY=', 'HOME=/custom', 'PATH=/bin']);
    expect((await run(m, ['/bin/env'], { env: ['PATH=/bin'] })).stdout).toBe('PATH=/bin\nHOME=/root\n');
    expect((await run(m, ['/bin/env'], { env: [], user: { uid: 1000, gid: 1000, additionalGids: [] } })).stdout).toBe('HOME=/home/app\n');
    expect((await run(m, ['/bin/env'], { env: [], user: { uid: 4242, gid: 4242, additionalGids: [] } })).stdout).toBe('HOME=/\n');
  });

  test('fds the caller of tsbuild left open (not close-on-exec) do not reach the step (runc passes stdio only)', async () => {
    const m = await mount();
    const tools = hostTools();
    const real = tools.unshare;
    // stands in for a parent process that leaks fds: unshare (and all below it) inherits 8 and 9
    const wrapper = join(work, 'leaky-unshare');
    writeFileSync(wrapper, `#!/bin/sh\nexec 9</dev/null 8>&2\nexec ${real} "$@"\n`, { mode: 0o755 });
    tools.unshare = wrapper;
    try {
      const r = await sh(m, 'ls /proc/self/fd | sort -n | tr "\\n" " "');
      expect(r.stdout).toBe('0 1 2 3 ');
    } finally {
      tools.unshare = real;
    }
  });

  test('umask is 022 whatever the caller has (as runc): created files get 644/755', async () => {
    const m = await mount();
    const old = process.umask(0o077);
    try {
      const r = await sh(m, 'umask; touch /f && mkdir /d && stat -c %a /f /d');
      expect(r.stdout).toBe('0022\n644\n755\n');
      // what the executor and snapshotter create for the step does not follow the caller's umask either
      const fresh = await snap.prepare([busyboxRootfs()], { scratchDir: join(work, `umask-${n++}`) });
      mounted.push(fresh);
      const u = await run(fresh, ['/bin/sh', '-c', 'stat -c %a / /etc/hosts /etc/resolv.conf /w /w/x /mnt/t; umask'], {
        cwd: '/w/x', user: { uid: 1000, gid: 1000, additionalGids: [] }, hostname: `umask${n}`, mounts: [{ type: 'tmpfs', target: '/mnt/t' }],
      });
      expect(u.stdout).toBe('755\n644\n644\n755\n755\n1777\n0022\n');
    } finally {
      process.umask(old);
    }
  });

  test('exec form is looked up through the step PATH inside the rootfs', async () => {
    const m = await mount();
    const r = await run(m, ['echo', 'hi', '$HOME'], { env: ['PATH=/bin'] });
    expect(r.stdout).toBe('hi $HOME\n');
  });

  test('hostname, /etc/hosts, /etc/resolv.conf (no /etc/hostname, as BuildKit); none of them end up in the rootfs', async () => {
    const m = await mount();
    const r = await sh(m, 'hostname; test -e /etc/hostname || echo no-etc-hostname; cat /etc/hosts');
    expect(r.stdout).toBe('buildhost\nno-etc-hostname\n127.0.0.1\tlocalhost buildhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
    // the host's resolv.conf (minus loopback nameservers) for both networks, as BuildKit
    const expected = filterResolvConf(readFileSync('/etc/resolv.conf', 'utf8'));
    expect((await sh(m, 'cat /etc/resolv.conf', { network: 'host' })).stdout).toBe(expected);
    expect((await sh(m, 'cat /etc/resolv.conf')).stdout).toBe(expected);
    expect(filterResolvConf('search x\nnameserver 127.0.0.53\n')).toBe('search x\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    expect(filterResolvConf('nameserver ::1\nnameserver 10.0.0.2\n')).toBe('nameserver 10.0.0.2\n');
    expect(existsSync(join(m.root, 'etc/hosts'))).toBe(false);
    expect(existsSync(join(m.upperdir, 'etc/hosts'))).toBe(false);
    // writes to them never reach the layer
    const w = await sh(m, 'echo x >> /etc/hosts');
    expect(w.exitCode).not.toBe(0);
  });

  test('the working directory is created when missing and kept', async () => {
    const m = await mount();
    const r = await sh(m, 'pwd', { cwd: '/work/deep/dir' });
    expect(r.stdout).toBe('/work/deep/dir\n');
    expect(statSync(join(m.upperdir, 'work/deep/dir')).isDirectory()).toBe(true);
  });

  test('RUN mounts: bind ro/rw, tmpfs, secret file; their targets are not committed', async () => {
    const m = await mount();
    const src = join(work, `bind-src-${n}`);
    mkdirSync(src);
    writeFileSync(join(src, 'in.txt'), 'from host');
    const secret = join(work, `secret-${n}`);
    writeFileSync(secret, 'TOPSECRET');
    const r = await sh(m, [
      'cat /mnt/ro/in.txt', 'echo; (echo no > /mnt/ro/x) 2>/dev/null && echo ro-writable || echo ro-ok',
      'echo yes > /cache/rw/out.txt', 'echo t > /tmpfs/t', 'cat /run/secrets/tok', 'echo', 'stat -c "%a %u %g" /run/secrets/tok',
    ].join('; '), {
      mounts: [
        { type: 'bind', source: src, target: '/mnt/ro', readonly: true },
        { type: 'bind', source: src, target: '/cache/rw', readonly: false },
        { type: 'tmpfs', target: '/tmpfs' },
        { type: 'file', source: secret, target: '/run/secrets/tok', mode: 0o400, uid: 1000, gid: 1000 },
      ],
    });
    expect(r.stdout).toBe('from host\nro-ok\nTOPSECRET\n400 1000 1000\n');
    expect(readFileSync(join(src, 'out.txt'), 'utf8')).toBe('yes\n');
    // no stub dirs/files and no tmpfs content in the layer (the /etc copy-up is restored to the lower's metadata)
    expect(await overlayChanges(m.upperdir, [busyboxRootfs()])).toEqual([]);
    expect(readdirSync(join(m.upperdir, 'etc'))).toEqual([]);
  });

  test('a rootfs with nothing but a static binary (no /etc, /proc, /dev): runc\'s /proc /dev /sys mount points stay, the /etc stubs go', async () => {
    const lower = join(work, 'static-only');
    mkdirSync(join(lower, 'bin'), { recursive: true });
    copyFileSync(busyboxBinary(), join(lower, 'bin/busybox'));
    chmodSync(join(lower, 'bin/busybox'), 0o755);
    const m = await mount([lower]);
    const r = await run(m, ['/bin/busybox', 'sh', '-c', 'echo $$; for f in /dev/null /proc/self/status /etc/hosts; do test -e $f && echo $f; done'], { env: [] });
    expect(r.stdout).toBe('1\n/dev/null\n/proc/self/status\n/etc/hosts\n');
    // as BuildKit: MountStubsCleaner removes /etc/hosts, /etc/resolv.conf and the /etc made for them;
    // the default mounts' mount points are runc's and stay (see prepare-run.ts)
    expect(readdirSync(m.upperdir).sort()).toEqual(['dev', 'proc', 'sys']);
    for (const d of ['dev', 'proc', 'sys']) {
      const st = statSync(join(m.upperdir, d));
      expect([st.isDirectory(), st.mode & 0o7777, st.uid, st.gid, readdirSync(join(m.upperdir, d))], d).toEqual([true, 0o755, 0, 0, []]);
    }
  });

  test('a signal that is already aborted cancels before starting', async () => {
    const m = await mount();
    const ac = new AbortController();
    ac.abort();
    await expect(sh(m, 'true', { signal: ac.signal })).rejects.toMatchObject({ code: 'E_CANCELLED' });
    await expect(sh(m, 'true', { signal: ac.signal })).rejects.toBeInstanceOf(BuildError);
  });

  test('step startup: median of 20 `true` runs', async () => {
    const m = await mount();
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await run(m, ['/bin/true']);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const median = times[10]!;
    console.log(`unshare executor: median startup ${median.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times[19]!.toFixed(1)})`);
    expect(median).toBeLessThan(1000);
    execFileSync('true');
  });
});

describe('UnshareExecutor without perl (setpriv + chroot final stage)', () => {
  const ex = new UnshareExecutor({ tmpDir: work, finalStage: 'setpriv' });
  afterAll(() => ex.dispose());

  test('same user, groups, env, cwd, output and bounding set', async () => {
    const m = await mount();
    const out: Buffer[] = [];
    const r = await ex.run({
      rootfs: m.root, args: ['/bin/sh', '-c', 'id -u; id -G; pwd; env | sort; grep CapBnd /proc/self/status; echo $$; exit 5'], env: ['PATH=/bin', 'X=y z'],
      cwd: '/tmp/w', user: { uid: 1000, gid: 1000, additionalGids: [50] }, network: 'none', hostname: 'h', mounts: [], onStdout: (c) => out.push(c),
    });
    expect(r.exitCode).toBe(5);
    expect(Buffer.concat(out).toString()).toBe('1000\n1000 50\n/tmp/w\nHOME=/home/app\nPATH=/bin\nPWD=/tmp/w\nSHLVL=1\nX=y z\nCapBnd:\t00000000a80425fb\n1\n');
    expect(await overlayChanges(m.upperdir, [busyboxRootfs()])).toMatchObject([{ path: 'tmp' }, { path: 'tmp/w' }]);
  });
});

