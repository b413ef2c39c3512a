import { afterAll, describe, expect, test } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OverlaySnapshotter } from '../../src/snapshot/overlay.js';
import { RuncExecutor } from '../../src/exec/runc.js';
import { detectExecutor } from '../../src/exec/detect.js';
import { overlayChanges } from '../../src/diff/overlay-diff.js';
import type { Mounted, RunSpec } from '../../src/exec/types.js';
import { busyboxRootfs } from '../../../../test/helpers/busybox.js';

const work = mkdtempSync('/var/tmp/tsbuild-runc-test-');
const snap = new OverlaySnapshotter();
const mounted: Mounted[] = [];
let n = 0;

afterAll(async () => {
  for (const m of mounted) await m.release();
  rmSync(work, { recursive: true, force: true });
});

function hostProcs(marker: string): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(marker);
    } catch {
      return false;
    }
  }).map(Number);
}

for (const runtime of ['runc', 'crun'] as const) {
  describe.skipIf(!RuncExecutor.available(runtime))(`RuncExecutor (${runtime})`, () => {
    const exec = new RuncExecutor({ runtime, tmpDir: work });
    afterAll(() => exec.dispose());

    async function mount(): Promise<Mounted> {
      const m = await snap.prepare([busyboxRootfs()], { scratchDir: join(work, `s${n++}`) });
      mounted.push(m);
      return m;
    }
    async function sh(m: Mounted, script: string, extra: Partial<RunSpec> = {}) {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const r = await exec.run({
        rootfs: m.root, args: ['/bin/sh', '-c', script], env: ['PATH=/bin'], cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] },
        network: 'none', hostname: 'rh', mounts: [], onStdout: (c) => out.push(c), onStderr: (c) => err.push(c), ...extra,
      });
      return { ...r, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
    }

    test('exit code, streams, PID 1, only lo, user and groups, exact env', async () => {
      const m = await mount();
      expect(await sh(m, 'echo o; echo e >&2; exit 7')).toMatchObject({ exitCode: 7, stdout: 'o\n', stderr: 'e\n' });
      const r = await sh(m, 'echo $$; id -u; id -G; hostname; grep -c ":" /proc/net/dev; env | sort', {
        user: { uid: 1000, gid: 1000, additionalGids: [50] }, env: ['PATH=/bin', 'X=1'],
      });
      const lines = r.stdout.trim().split('\n');
      expect(lines.slice(0, 4)).toEqual(['1', '1000', '1000 50', 'rh']);
      expect(lines[4]).toBe('1');
      expect(lines.slice(5).filter((l) => !/^(PWD|SHLVL)=/.test(l))).toEqual(['HOME=/home/app', 'PATH=/bin', 'X=1']);
    });

    test('host networking sees the host interfaces', async () => {
      const m = await mount();
      const host = readFileSync('/proc/net/dev', 'utf8').trim().split('\n').length;
      const r = await sh(m, 'cat /proc/net/dev | wc -l; cat /etc/resolv.conf | grep -c nameserver', { network: 'host' });
      expect(r.exitCode, r.stderr).toBe(0);
      const [lines, ns] = r.stdout.trim().split('\n');
      expect(Number(lines)).toBe(host);
      expect(Number(ns)).toBeGreaterThan(0);
    });

    test('mounts work and leave nothing in the layer; cwd is created', async () => {
      const m = await mount();
      const src = join(work, `src-${n}`);
      mkdirSync(src);
      writeFileSync(join(src, 'f'), 'host');
      const r = await sh(m, 'cat /m/f; echo; hostname; test -e /etc/hostname || echo no-etc-hostname; pwd; echo t > /t/x', {
        cwd: '/w/d', mounts: [{ type: 'bind', source: src, target: '/m', readonly: true }, { type: 'tmpfs', target: '/t' }],
      });
      expect(r.stdout).toBe('host\nrh\nno-etc-hostname\n/w/d\n');
      expect((await overlayChanges(m.upperdir, [busyboxRootfs()])).map((c) => c.path)).toEqual(['w', 'w/d']);
    });

    test('cancellation kills the container', async () => {
      const m = await mount();
      const marker = String(700000 + Math.floor(Math.random() * 99999));
      const ac = new AbortController();
      await expect(sh(m, `sleep ${marker} & echo go; sleep ${marker}`, { signal: ac.signal, onStdout: () => ac.abort() }))
        .rejects.toMatchObject({ code: 'E_CANCELLED' });
      expect(hostProcs(`sleep ${marker}`)).toEqual([]);
    });
  });
}

test('detectExecutor: unshare by default, runtimes on request', () => {
  const auto = detectExecutor({ tmpDir: work });
  expect(auto.executor.name).toBe('unshare');
  expect(auto.message).toMatch(/^executor: unshare/);
  if (RuncExecutor.available('crun')) expect(detectExecutor({ runtime: 'crun', tmpDir: work }).executor.name).toBe('crun');
});
