/**
 * The RUN sandbox against Docker's (issue 16, items 4–6): a static probe binary runs as a step on
 * each executor and under `docker run --rm --network=none` on the same busybox base, and what it
 * may do — capability sets, seccomp, keyring, devices, namespaces, mounts, raw sockets — must
 * agree. Plus the default network (isolated, NAT, no host loopback), the entitlements that lift
 * the sandbox (--allow network.host / security.insecure), and capabilities a caller holds in its
 * inheritable/ambient sets not reaching the step.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { OverlaySnapshotter, UnshareExecutor, RuncExecutor, type Mounted, type RunSpec, type Executor } from '@tsbuild/builder/engine';
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
  ['unshare (nodev mounts, the default)', () => new UnshareExecutor({ tmpDir: work }), true],
  ['unshare (devices cgroup)', () => new UnshareExecutor({ tmpDir: work, devicePolicy: 'cgroup' }), existsSync('/sys/fs/cgroup/devices/devices.deny')],
  ['runc', () => new RuncExecutor({ tmpDir: work }), RuncExecutor.available('runc')],
];

describe.each(executors)('%s', (name, make, available) => {
  const exec = available ? make() : undefined;
  afterAll(() => exec?.dispose?.());
  const nodev = name.includes('nodev');

  test.skipIf(!available || !name.includes('cgroup'))('the step runs in a devices and a pids cgroup of its own, removed after it', async () => {
    const r = await step(exec!, ['/bin/sh', '-c', 'cat /proc/self/cgroup']);
    const dev = /^\d+:devices:\/(tsbuild-step-[\w-]+)$/m.exec(r.output)?.[1];
    const pids = /^\d+:pids:\/(tsbuild-step-[\w-]+)$/m.exec(r.output)?.[1];
    expect(dev, r.output).toBeDefined();
    expect(pids).toBe(dev);
    expect(existsSync(`/sys/fs/cgroup/devices/${dev}`)).toBe(false);
    expect(existsSync(`/sys/fs/cgroup/pids/${dev}`)).toBe(false);
  });

  test.skipIf(!CC || !available)('the probe sees what it sees under docker run --network=none', async () => {
    const r = await step(exec!, ['/probe']);
    expect(r.exitCode, r.output).toBe(0);
    const got = parse(r.output);
    if (process.env.SANDBOX_DEBUG) console.log(name, r.output, docker);
    const want = { ...DOCKER_DEFAULTS, ...(nodev ? { open_mknod_kmsg: 'EACCES', open_mknod_dev_loop: 'EACCES' } : {}) };
    for (const [k, v] of Object.entries(want)) expect(`${k}=${got[k]}`).toBe(`${k}=${v}`);
    // the current moby/profiles profile (newer than some dockerd's built-in one) denies AF_VSOCK and AF_ALG
    expect(got.socket_vsock).toBe('EPERM');
    expect(got.socket_alg).toBe('EPERM');
    expect(got.cgroupfs_write).not.toBe('ok');
    // no limit of the sandbox's own: a step inherits ours, as BuildKit's steps inherit buildkitd's
    const lim = /^Max open files\s+(\d+)\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))!;
    expect(got.nofile).toBe(`${lim[1]}:${lim[2]}`);
    if (docker) {
      for (const k of Object.keys(DOCKER_DEFAULTS)) {
        if (nodev && k.startsWith('open_mknod')) continue;
        expect(`${k}=${got[k]}`, 'as docker run').toBe(`${k}=${docker[k]}`);
      }
    }
  });
});

/** Two i386 programs (int 0x80): write "ok" and exit 0; unshare(CLONE_NEWUSER) and exit with its errno. */
const I386_SRC = {
  hello: '.globl _start\n_start:\n mov $4, %eax\n mov $1, %ebx\n mov $msg, %ecx\n mov $3, %edx\n int $0x80\n mov $1, %eax\n xor %ebx, %ebx\n int $0x80\n.data\nmsg: .ascii "ok\\n"\n',
  unshare: '.globl _start\n_start:\n mov $310, %eax\n mov $0x10000000, %ebx\n int $0x80\n neg %eax\n mov %eax, %ebx\n mov $1, %eax\n int $0x80\n',
};
function assembleI386(): boolean {
  if (process.arch !== 'x64') return false;
  try {
    for (const [name, src] of Object.entries(I386_SRC)) {
      writeFileSync(join(work, `${name}.s`), src);
      execFileSync('as', ['--32', '-o', join(work, `${name}.o`), join(work, `${name}.s`)], { stdio: 'ignore' });
      execFileSync('ld', ['-m', 'elf_i386', '-o', join(work, `i386-${name}`), join(work, `${name}.o`)], { stdio: 'ignore' });
    }
    return true;
  } catch {
    return false;
  }
}
const I386 = assembleI386();

describe.each(executors.filter(([name]) => !name.includes('cgroup')))('32-bit (i386) binaries, %s', (_name, make, available) => {
  const exec = available ? make() : undefined;
  afterAll(() => exec?.dispose?.());

  test.skipIf(!I386 || !available)('run, under the same profile (the i386 table): unshare(CLONE_NEWUSER) fails with EPERM as under docker', async () => {
    const m = await snap.prepare([busyboxRootfs()], { scratchDir: join(work, `s${n++}`) });
    mounted.push(m);
    for (const b of ['hello', 'unshare']) copyFileSync(join(work, `i386-${b}`), join(m.root, b));
    const run = async (args: string[]) => {
      const out: Buffer[] = [];
      const r = await exec!.run({ rootfs: m.root, args, env: [], cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] }, network: 'none', hostname: 'h', mounts: [], onStdout: (c) => out.push(c) });
      return { code: r.exitCode, out: Buffer.concat(out).toString() };
    };
    expect(await run(['/hello'])).toEqual({ code: 0, out: 'ok\n' });
    expect((await run(['/unshare'])).code).toBe(1);
  });
});

/**
 * A test host of our own: a network namespace with a veth pair (TEST-NET-2 addresses) and a TCP
 * server inside it. The NAT's way out is checked against it, never against an address of the
 * machine's own interfaces: traffic leaves only for hosts this test made.
 */
interface TestHost { address: string; port: number; close(): void }
let testHosts = 0;
function makeTestHost(): TestHost | undefined {
  const k = testHosts++;
  const ns = `tsb-sbx-${process.pid}-${k}`;
  const veth = `tsbv${process.pid % 100000}x${k}`;
  const [hostSide, address] = [`198.51.100.${4 * k + 1}`, `198.51.100.${4 * k + 2}`];
  const ip = (...a: string[]) => execFileSync('ip', a, { stdio: 'pipe' });
  try {
    ip('netns', 'add', ns);
    ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    ip('addr', 'add', `${hostSide}/30`, 'dev', veth);
    ip('link', 'set', veth, 'up');
    ip('-n', ns, 'addr', 'add', `${address}/30`, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
  } catch {
    spawnSync('ip', ['netns', 'del', ns]);
    return undefined;
  }
  const port = 18000 + (process.pid % 1000);
  const server = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e',
    `require("net").createServer((c) => c.end("hi\\n")).listen(${port}, "${address}")`], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (spawnSync('ip', ['netns', 'exec', ns, 'sh', '-c', `grep -q ':${port.toString(16).toUpperCase()} ' /proc/net/tcp`]).status === 0) break;
    spawnSync('sleep', ['0.05']);
  }
  return {
    address, port,
    close() { server.kill('SIGKILL'); spawnSync('ip', ['netns', 'del', ns]); spawnSync('ip', ['link', 'del', veth]); },
  };
}

function listen(host: string): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer((c) => c.end('hi\n'));
    server.once('error', reject);
    server.listen(0, host, () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

describe.each(executors.filter(([name]) => !name.includes('cgroup')))('default network, %s', (_name, make, available) => {
  const exec = available ? make() : undefined;
  const servers: Server[] = [];
  afterAll(() => {
    exec?.dispose?.();
    for (const s of servers) s.close();
  });
  const outside = available ? makeTestHost() : undefined;
  afterAll(() => outside?.close());

  test.skipIf(!CC || !available || !outside)('reaches hosts beyond this machine through NAT, not its loopback services', async () => {
    const lo = await listen('127.0.0.1');
    servers.push(lo.server);
    const r = await step(exec!, ['/bin/sh', '-c', `/probe connect 127.0.0.1 ${lo.port} 10.0.2.2 ${lo.port} ${outside!.address} ${outside!.port}; cat /proc/net/dev; ip -4 addr 2>/dev/null || true`], { network: 'default' });
    expect(r.exitCode, r.output).toBe(0);
    const got = parse(r.output);
    if (process.env.SANDBOX_DEBUG) console.log(r.output);
    // the step's own loopback has nothing there; slirp's host alias 10.0.2.2 is blocked (--disable-host-loopback)
    expect(got[`connect_127.0.0.1_${lo.port}`]).toBe('ECONNREFUSED');
    expect(got[`connect_10.0.2.2_${lo.port}`]).not.toBe('ok');
    expect(got[`connect_${outside!.address}_${outside!.port}`]).toBe('ok');
    // its own interfaces only: lo and the NAT's tap0, none of the host's
    const ifaces = [...r.output.matchAll(/^\s*([\w-]+):\s+\d+/gm)].map((m) => m[1]).sort();
    expect(ifaces).toEqual(['lo', 'tap0']);
  });

  test.skipIf(!CC || !available)('the registry on the host\'s 127.0.0.1:5000 is out of reach; --network none has no way out at all', async () => {
    const viaDefault = parse((await step(exec!, ['/probe', 'connect', '127.0.0.1', '5000', '10.0.2.2', '5000'], { network: 'default' })).output);
    expect(viaDefault['connect_127.0.0.1_5000']).toBe('ECONNREFUSED');
    expect(viaDefault['connect_10.0.2.2_5000']).not.toBe('ok');
    if (outside) {
      const none = parse((await step(exec!, ['/probe', 'connect', outside.address, '1'], { network: 'none' })).output);
      expect(none[`connect_${outside.address}_1`]).toBe('ENETUNREACH');
    }
  });

  test.skipIf(!CC || !available)('consecutive steps reuse the pooled namespace: no process, tap or listener of a step survives into the next', async () => {
    const a = await step(exec!, ['/bin/sh', '-c', 'readlink /proc/self/ns/net; (sleep 30 &); (nc -l -p 7777 &); sleep 0.2; /probe connect 127.0.0.1 7777'], { network: 'default' });
    expect(parse(a.output)['connect_127.0.0.1_7777'], a.output).toBe('ok');
    const bOut = (await step(exec!, ['/bin/sh', '-c', 'readlink /proc/self/ns/net; /probe connect 127.0.0.1 7777'], { network: 'default' })).output;
    const b = parse(bOut);
    expect(bOut.split('\n')[0]).toBe(a.output.split('\n')[0]);
    expect(bOut.split('\n')[0]).toMatch(/^net:\[\d+\]$/);
    expect(b['connect_127.0.0.1_7777']).toBe('ECONNREFUSED');
  });

  test.skipIf(!available)('concurrent steps get namespaces of their own', async () => {
    const [x, y] = await Promise.all([0, 1].map(() => step(exec!, ['/bin/sh', '-c', 'sleep 0.3; readlink /proc/self/ns/net'], { network: 'default' })));
    expect(x!.output).toMatch(/^net:\[\d+\]\n$/);
    expect(y!.output).toMatch(/^net:\[\d+\]\n$/);
    expect(x!.output).not.toBe(y!.output);
  });
});

describe.each(executors.filter(([name]) => !name.includes('cgroup')))('RUN --security=insecure, %s', (_name, make, available) => {
  const exec = available ? make() : undefined;
  afterAll(() => exec?.dispose?.());

  test.skipIf(!CC || !available)('lifts seccomp and keeps every capability; the session keyring is still the step\'s own', async () => {
    const host = parse(execFileSync(PROBE, ['keyring'], { encoding: 'utf8' }));
    const r = await step(exec!, ['/probe'], { security: 'insecure' });
    const got = parse(r.output);
    if (process.env.SANDBOX_DEBUG) console.log(r.output);
    expect(got.Seccomp).toBe('0');
    const hostBnd = /^CapBnd:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1];
    expect(got.CapBnd).toBe(hostBnd);
    expect(got.keyring_id).toMatch(/^\d+$/);
    expect(host.keyring_id).toMatch(/^\d+$/);
    expect(got.keyring_id).not.toBe(host.keyring_id);
    expect(got.CapInh).toBe('0000000000000000');
    // BuildKit's insecure spec: every device allowed, no masked/read-only /proc paths, a writable sysfs
    expect(got.open_mknod_kmsg).toBe('ok');
    const mounts = (await step(exec!, ['/bin/sh', '-c', 'grep -E " /sys | /proc/sys " /proc/mounts | cut -d" " -f2,4 | cut -d, -f1'], { security: 'insecure' })).output;
    expect(mounts.trim()).toBe('/sys rw');
    const sandboxed = (await step(exec!, ['/bin/sh', '-c', 'grep -E " /sys | /proc/sys " /proc/mounts | cut -d" " -f2,4 | cut -d, -f1'])).output;
    expect(sandboxed.trim().split('\n').sort()).toEqual(['/proc/sys ro', '/sys ro']);
  });
});

describe('through the CLI', () => {
  let t: TempStore;
  let ctx: string;
  beforeAll(async () => {
    t = await tempStore('sandbox-');
    await importBusybox(t.store);
    ctx = mkdtempSync(join(work, 'ctx-'));
    if (CC) copyFileSync(PROBE, join(ctx, 'probe'));
  });
  afterAll(() => t?.cleanup());

  function build(dockerfile: string, args: string[] = [], env: NodeJS.ProcessEnv = {}, wrap: string[] = []): { code: number | null; stderr: string; out: string } {
    writeFileSync(join(ctx, 'Dockerfile'), dockerfile);
    const out = mkdtempSync(join(work, 'out-'));
    const argv = ['build', '--root', t.root, '--progress', 'plain', '--no-cache', '-o', `type=local,dest=${out}`, ...args, ctx];
    const r = wrap.length
      ? (() => {
        const p = spawnSync(wrap[0]!, [...wrap.slice(1), join(REPO_ROOT, 'node_modules/.bin/tsbuild'), ...argv], { encoding: 'utf8', env: { ...process.env, ...env } });
        return { code: p.status, stdout: p.stdout, stderr: p.stderr };
      })()
      : runTsbuild(argv, { env });
    return { code: r.code, stderr: r.stderr, out };
  }

  test('RUN --network=host and --network host need --allow network.host; --network none cannot be widened', () => {
    const run = 'FROM busybox\nRUN --network=host true\n';
    for (const args of [[], ['--network', 'none']]) {
      const r = build(run, args);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('network.host is not allowed');
      expect(r.stderr).toContain('E_ENTITLEMENT');
    }
    const cli = build('FROM busybox\nRUN true\n', ['--network', 'host']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('network.host is not allowed');
    const granted = build('FROM busybox\nRUN --network=host cat /proc/net/dev > /dev-list\n', ['--network', 'none', '--allow', 'network.host']);
    expect(granted.code, granted.stderr).toBe(0);
    // the host's interfaces: more than lo
    expect(readFileSync(join(granted.out, 'dev-list'), 'utf8').split('\n').filter((l) => /^\s*[\w-]+:/.test(l)).length).toBeGreaterThan(1);
    const bad = build(run, ['--allow', 'network.everything']);
    expect(bad.code).toBe(2);
  });

  test('the same refusal from the plain bundle (TSBUILD_NO_SNAPSHOT=1)', () => {
    const r = build('FROM busybox\nRUN --security=insecure true\n', [], { TSBUILD_NO_SNAPSHOT: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('security.insecure is not allowed');
  });

  test.skipIf(!CC)('RUN --security=insecure needs --allow security.insecure, then runs without seccomp', () => {
    const df = 'FROM busybox\nCOPY probe /probe\nRUN --security=insecure /probe > /status\n';
    const denied = build(df);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('security.insecure is not allowed');
    const r = build(df, ['--allow', 'security.insecure']);
    expect(r.code, r.stderr).toBe(0);
    expect(parse(readFileSync(join(r.out, 'status'), 'utf8')).Seccomp).toBe('0');
  });

  test.skipIf(!CC || !existsSync('/usr/bin/setpriv'))('capabilities the caller holds as inheritable or ambient never reach the step', () => {
    const df = 'FROM busybox\nCOPY probe /probe\nRUN /probe > /status\n';
    const r = build(df, ['--network', 'none'], {}, ['/usr/bin/setpriv', '--inh-caps=+sys_admin,+net_admin', '--ambient-caps=+sys_admin,+net_admin', '--']);
    expect(r.code, r.stderr).toBe(0);
    const got = parse(readFileSync(join(r.out, 'status'), 'utf8'));
    expect({ CapInh: got.CapInh, CapAmb: got.CapAmb, CapEff: got.CapEff, CapPrm: got.CapPrm, Seccomp: got.Seccomp })
      .toEqual({ CapInh: '0000000000000000', CapAmb: '0000000000000000', CapEff: '00000000a80425fb', CapPrm: '00000000a80425fb', Seccomp: '2' });
  });

  test.skipIf(!existsSync('/usr/bin/setpriv'))('… also through the setpriv final stage (the no-perl fallback)', () => {
    const script = `
      const B = await import(${JSON.stringify(join(REPO_ROOT, 'packages/builder/dist/engine.js'))});
      const m = await new B.OverlaySnapshotter().prepare([${JSON.stringify(busyboxRootfs())}], { scratchDir: ${JSON.stringify(join(work, 'setpriv-s'))} });
      const ex = new B.UnshareExecutor({ finalStage: 'setpriv', tmpDir: ${JSON.stringify(work)} });
      const out = [];
      await ex.run({ rootfs: m.root, args: ['/bin/cat', '/proc/self/status'], env: [], cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] },
        hostname: 'b', mounts: [], network: 'none', onStdout: (c) => out.push(c) });
      await m.release();
      process.stdout.write(Buffer.concat(out));`;
    const r = spawnSync('/usr/bin/setpriv', ['--inh-caps=+sys_admin', '--ambient-caps=+sys_admin', '--', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(/^CapInh:\s*(\S+)/m.exec(r.stdout)?.[1]).toBe('0000000000000000');
    expect(/^CapAmb:\s*(\S+)/m.exec(r.stdout)?.[1]).toBe('0000000000000000');
    expect(/^CapEff:\s*(\S+)/m.exec(r.stdout)?.[1]).toBe('00000000a80425fb');
  });

  test.skipIf(!CC || !existsSync('/usr/bin/setpriv') || !RuncExecutor.available('runc'))('… also on runc', () => {
    const df = 'FROM busybox\nCOPY probe /probe\nRUN /probe > /status\n';
    const r = build(df, ['--network', 'none', '--runtime', 'runc'], {}, ['/usr/bin/setpriv', '--inh-caps=+sys_admin', '--ambient-caps=+sys_admin', '--']);
    expect(r.code, r.stderr).toBe(0);
    const got = parse(readFileSync(join(r.out, 'status'), 'utf8'));
    expect([got.CapInh, got.CapAmb, got.CapEff]).toEqual(['0000000000000000', '0000000000000000', '00000000a80425fb']);
  });
});

