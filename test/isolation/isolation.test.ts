/**
 * Isolation of RUN steps, end to end on real namespaces and overlayfs: nothing of the host is
 * visible, the step's process tree and mounts never outlive it — also when it fails or is cancelled.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { OverlaySnapshotter, RuncExecutor, UnshareExecutor, type Mounted, type RunSpec } from '@tsbuild/builder/engine';
import { busyboxRootfs } from '../helpers/busybox.js';

const work = mkdtempSync('/var/tmp/tsbuild-isolation-');
const snap = new OverlaySnapshotter();
// TSBUILD_TEST_EXECUTOR=runc runs the same suite on the OCI runtime executor
const onRunc = process.env.TSBUILD_TEST_EXECUTOR === 'runc';
const exec = onRunc ? new RuncExecutor({ tmpDir: work }) : new UnshareExecutor({ tmpDir: work });
const mounted: Mounted[] = [];
let n = 0;

async function mount(): Promise<Mounted> {
  const m = await snap.prepare([busyboxRootfs()], { scratchDir: join(work, `s${n++}`) });
  mounted.push(m);
  return m;
}

async function sh(m: Mounted, script: string, extra: Partial<RunSpec> = {}) {
  const out: Buffer[] = [];
  const r = await exec.run({
    rootfs: m.root, args: ['/bin/sh', '-c', script], env: ['PATH=/usr/bin:/bin:/usr/sbin:/sbin'], cwd: '/',
    user: { uid: 0, gid: 0, additionalGids: [] }, network: 'none', hostname: 'iso', mounts: [],
    onStdout: (c) => out.push(c), onStderr: (c) => out.push(c), ...extra,
  });
  return { ...r, output: Buffer.concat(out).toString() };
}

/** host mount table lines that concern this test's directories */
function ourMounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(work));
}

/** host processes whose command line contains `marker` */
function hostProcs(marker: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(marker)) found.push(Number(pid));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

const ESCAPE_C = `#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>
int main(int argc, char **argv) {
  mkdir("/escdir", 0755);
  if (chroot("/escdir") != 0) { perror("chroot"); return 1; }
  for (int i = 0; i < 64; i++) chdir("..");
  if (chroot(".") != 0) { perror("chroot ."); return 1; }
  FILE *f = fopen(argv[1], "r");
  if (!f) { perror("open"); return 2; }
  char buf[64] = {0}; fread(buf, 1, 63, f); printf("ESCAPED: %s\\n", buf); return 0;
}
`;

function hasCompiler(): boolean {
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

afterAll(async () => {
  for (const m of mounted) await m.release();
  exec.dispose();
  expect(ourMounts()).toEqual([]);
  rmSync(work, { recursive: true, force: true });
});

describe('RUN isolation', () => {
  test('a file on the host outside the rootfs cannot be read', async () => {
    const m = await mount();
    const secret = `/tmp/host-secret-${randomBytes(6).toString('hex')}`;
    const content = randomBytes(16).toString('hex');
    writeFileSync(secret, content);
    try {
      const r = await sh(m, `cat ${secret} || echo denied; cat /proc/1/root${secret} || echo denied; ls ${work} || echo denied; cat /proc/mounts`);
      expect(r.output.match(/^denied$/gm)).toHaveLength(3);
      expect(r.output).not.toContain(content);
      expect(r.output).toMatch(/No such file or directory/);
      // the rootfs is all there is
      const ls = await sh(m, 'ls /');
      expect(ls.output.split('\n').filter(Boolean).sort()).toEqual(readdirSync(busyboxRootfs()).filter((x) => x !== '.complete').sort());
    } finally {
      rmSync(secret, { force: true });
    }
  });

  test('ps shows the step as PID 1 and no host process', async () => {
    const m = await mount();
    const r = await sh(m, 'ps -o pid,comm; true');
    const rows = r.output.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
    expect(rows[0]).toEqual(['1', 'sh']);
    expect(rows.map((x) => x[1])).not.toContain('node');
    expect(rows.length).toBeLessThanOrEqual(3);
    expect((await sh(m, 'echo $$')).output).toBe('1\n');
  });

  test('--network=none has only lo (up); host network sees the host interfaces', async () => {
    const m = await mount();
    const r = await sh(m, 'cat /proc/net/dev; ping -c1 -W1 127.0.0.1 >/dev/null && echo lo-up');
    const ifaces = r.output.split('\n').filter((l) => l.includes(':') && !l.includes('|')).map((l) => l.split(':')[0]!.trim());
    expect(ifaces).toEqual(['lo']);
    expect(r.output).toContain('lo-up');
    const hostIfaces = readFileSync('/proc/net/dev', 'utf8').split('\n').filter((l) => l.includes(':') && !l.includes('|')).map((l) => l.split(':')[0]!.trim());
    const h = await sh(m, 'cat /proc/net/dev', { network: 'host' });
    const seen = h.output.split('\n').filter((l) => l.includes(':') && !l.includes('|')).map((l) => l.split(':')[0]!.trim());
    expect(seen.sort()).toEqual(hostIfaces.sort());
  });

  test('background processes left by a step are gone when it ends', async () => {
    const m = await mount();
    const marker = String(900000 + Math.floor(Math.random() * 99999));
    const r = await sh(m, `sleep ${marker} & sleep ${marker} & echo started`);
    expect(r.output).toBe('started\n');
    expect(hostProcs(`sleep ${marker}`)).toEqual([]);
  });

  test('the host mount table is unchanged after a run, a failed run and a cancelled run', async () => {
    const m = await mount();
    const before = ourMounts();
    expect(before.filter((l) => l.includes(` ${m.root} `))).toHaveLength(1); // the overlay itself
    expect((await sh(m, 'echo hi > /f && ls /proc /dev/pts >/dev/null')).exitCode).toBe(0);
    expect(ourMounts()).toEqual(before);
    // no CAP_SYS_ADMIN in a step (Docker's default capability set): it cannot mount anything itself
    expect((await sh(m, 'mkdir -p /mnt && mount -t tmpfs none /mnt')).exitCode).not.toBe(0);
    expect(ourMounts()).toEqual(before);
    expect((await sh(m, 'exit 3')).exitCode).toBe(3);
    expect(ourMounts()).toEqual(before);

    const marker = String(800000 + Math.floor(Math.random() * 99999));
    const ac = new AbortController();
    const t0 = Date.now();
    const running = sh(m, `sleep ${marker} & echo go; sleep ${marker}`, {
      signal: ac.signal,
      onStdout: () => ac.abort(),
      mounts: [{ type: 'tmpfs', target: '/scratch' }],
    });
    await expect(running).rejects.toMatchObject({ name: 'BuildError', code: 'E_CANCELLED' });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(ourMounts()).toEqual(before);
    expect(hostProcs(`sleep ${marker}`)).toEqual([]);
    // and the rootfs is still usable, without the cancelled step's stubs
    expect((await sh(m, 'test ! -e /scratch && echo clean')).output).toBe('clean\n');
  });

  test.skipIf(!hasCompiler())('root cannot escape with the classic chroot trick (pivot_root, host root detached)', async () => {
    const src = join(work, 'esc.c');
    writeFileSync(src, ESCAPE_C);
    execFileSync('cc', ['-static', '-O1', '-o', join(work, 'esc'), src]);
    const marker = `/tmp/host-escape-${randomBytes(6).toString('hex')}`;
    writeFileSync(marker, 'HOST');
    try {
      // the default final stage (perl, pivot_root); the setpriv fallback is chroot-only by design
      for (const finalStage of ['perl'] as const) {
        const ex = new UnshareExecutor({ tmpDir: work, finalStage });
        const m = await mount();
        copyFileSync(join(work, 'esc'), join(m.root, 'esc'));
        const out: Buffer[] = [];
        const r = await ex.run({
          rootfs: m.root, args: ['/esc', marker], env: [], cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] }, network: 'none',
          hostname: 'e', mounts: [], onStdout: (c) => out.push(c), onStderr: (c) => out.push(c),
        });
        ex.dispose();
        expect(Buffer.concat(out).toString()).not.toContain('ESCAPED');
        expect(r.exitCode).not.toBe(0);
      }
    } finally {
      rmSync(marker, { force: true });
    }
  });

  test('/dev is a private tmpfs of the run; the /etc files are read-only and leave nothing behind', async () => {
    const m = await mount();
    const hostDev = readdirSync('/dev');
    const r = await sh(m, 'echo x > /dev/from-step && cat /dev/from-step; grep " /dev " /proc/mounts | cut -d" " -f3; ls -a /dev | grep -c tsbuild; '
      + 'for f in hosts resolv.conf; do (echo y >> /etc/$f) 2>/dev/null && echo $f-writable; stat -c "%h %a" /etc/$f; done; test -e /etc/hostname || echo no-etc-hostname');
    expect(r.exitCode).toBe(0);
    // no /etc/hostname: BuildKit binds only /etc/hosts and /etc/resolv.conf (executor/oci/spec_linux.go generateMountOpts)
    expect(r.output).toBe('x\ntmpfs\n0\n1 644\n1 644\nno-etc-hostname\n');
    // the step's /dev writes went nowhere: not to the host, not to the rootfs, not to the next run
    expect(readdirSync('/dev')).toEqual(hostDev);
    expect((await sh(m, 'test ! -e /dev/from-step && echo gone')).output).toBe('gone\n');
    expect(readdirSync(join(m.upperdir)).filter((n) => n === 'dev')).toEqual([]);
  });

  test('/proc/sys and /sys are read-only (also with host networking: no host cgroup fs), host devices are not there', async () => {
    const m = await mount();
    for (const network of ['none', 'host'] as const) {
      const r = await sh(m, '(echo 1 > /proc/sys/kernel/ns_last_pid) 2>/dev/null && echo proc-writable; (touch /sys/x) 2>/dev/null && echo sys-writable; grep -c cgroup /proc/mounts; ls /dev | tr "\\n" " "', { network });
      expect(r.output).not.toContain('writable');
      const [cgroups, dev] = r.output.trim().split('\n');
      expect(cgroups).toBe('0');
      expect(dev!.trim().split(' ').sort()).toEqual(['fd', 'full', 'mqueue', 'null', 'ptmx', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', 'zero']);
    }
  });
});
