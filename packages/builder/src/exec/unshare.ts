/**
 * Default executor: util-linux `unshare` + `setpriv`, no daemon, no runtime.
 *
 *   node ─spawn─▶ unshare --mount --pid --fork --uts --ipc [--net] --kill-child --propagation private
 *                   └─ perl (host, PID 1 of the new pid ns): the setup as mount(2) calls (rootfs bind,
 *                      proc, a tmpfs /dev with its skeleton + device nodes, pts, shm, mqueue, sys, /proc
 *                      masks, /etc/{hosts,resolv.conf}, RUN mounts), hostname, lo up, then the
 *                      final stage: pivot_root, detach host root, caps, ids, cwd, env, exec args
 *                      (stays PID 1)           [see perl-setup.ts, final-stage.ts]
 *   without perl: unshare … └─ /bin/sh: one `mount -a -T fstab` (the same mounts, /dev a bind of a host
 *                      skeleton dir), hostname, lo up └─ exec env/setpriv/unshare --root: chroot only
 *
 * Every mount lives in the private mount namespace, which dies with its last process: nothing is
 * left on the host, whatever way the step ends. The pid namespace dies with its init (the step's
 * command, or the setup shell before it), taking background processes with it; `--kill-child`
 * SIGKILLs that init when `unshare` itself is killed (cancellation).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Executor, RunResult, RunSpec } from './types.js';
import { BuildError } from '../errors.js';
import { mapped, readIdMap } from '@tsbuild/layerstore';
import { cancelled, settleStep } from './step-exit.js';
import { hostTools, type HostTools } from './host-tools.js';
import { MountStubs } from './stubs.js';
import { EtcFiles } from './etc-files.js';
import { prepareRun } from './prepare-run.js';
import { perlFinalStage, perlFinalStageSupported } from './final-stage.js';
import { findTool } from './host-tools.js';
import { ExecutorNetns, type NetnsLease, type NetnsPool } from './netns-pool.js';
import { defaultSeccompFilter, stepCaps } from './sandbox.js';
import { createStepCgroup, stepCgroupRoots, sweepStepCgroups, type StepCgroup, type StepCgroupRoots } from './step-cgroup.js';
import { DEV_LINKS, planPerlSetup } from './perl-setup.js';
import { withHome } from './home.js';
import { stepStdio } from './step-stdio.js';
import { makeSecretDir } from './secret-dir.js';
import { DEV_NODES, DIRS_MASKED, PROC_MASKED, PROC_READONLY, planSetup, type SetupInput } from './setup-script.js';

export interface UnshareExecutorOptions {
  /**
   * how the step is entered: 'perl' (pivot_root; default when perl is installed) or 'setpriv'
   * (setpriv + `unshare --root`: chroot only, escapable by a root step calling chroot(2))
   */
  finalStage?: 'perl' | 'setpriv';
  /** where per-run scratch files (/dev skeleton, fstab, /etc files) go; default os.tmpdir() */
  tmpDir?: string;
  /** resolv.conf contents before filtering; default: the host's /etc/resolv.conf */
  resolvConf?: string;
  /**
   * how other devices than the default /dev nodes are kept from opening: 'nodev' (the default:
   * nodev mounts, open fails with EACCES) or 'cgroup' (a v1 devices + pids cgroup per step: EPERM
   * as under Docker, and a pids limit — but moving the step into it waits for an RCU grace
   * period on every RUN, a cost the size of a RUN's own start: docs/performance.md)
   */
  devicePolicy?: 'nodev' | 'cgroup';
  /** network namespaces for RUN's default network (default: a pool of this executor's own) */
  netns?: NetnsPool;
}

export interface RunResultWithStubs extends RunResult {
  /** mount-target placeholders created (and removed again) during the run, relative to the rootfs */
  stubs: string[];
}

export class UnshareExecutor implements Executor {
  readonly name = 'unshare';
  private readonly tools: HostTools;
  private readonly tmpDir: string;
  private readonly etc: EtcFiles;
  private readonly procReadonly = PROC_READONLY.filter((p) => existsSync(`/proc/${p}`));
  private readonly procMasked = PROC_MASKED.filter((p) => existsSync(`/proc/${p}`));
  private readonly dirsMasked = DIRS_MASKED.filter((d) => existsSync(d));
  /** a user namespace without gid 5 (single-uid rootless): devpts cannot take gid=5 there */
  private readonly idMap = readIdMap();
  private readonly noTtyGroup = this.idMap !== undefined && !mapped(this.idMap.gids, 5);
  /** setgroups(2) is denied in this user namespace (unshare --map-root-user without newgidmap) */
  private readonly setgroupsDenied = ((t) => t?.trim() === 'deny')(readText('/proc/self/setgroups'));
  private cgroupRoots: StepCgroupRoots | undefined;
  private readonly netns: ExecutorNetns;

  constructor(private readonly opts: UnshareExecutorOptions = {}) {
    this.tools = hostTools();
    this.tmpDir = opts.tmpDir ?? tmpdir();
    this.etc = new EtcFiles(opts.resolvConf);
    this.netns = new ExecutorNetns(opts.netns);
  }

  /** Whether the host has what this executor needs. */
  static available(): boolean {
    const t = hostTools();
    const finalStage = (t.perl && perlFinalStageSupported()) || (t.setpriv && t.env.startsWith('/'));
    return Boolean(finalStage && t.unshare.startsWith('/') && t.mount.startsWith('/'));
  }

  /** Which final stage runs: perl (pivot_root) when available, else setpriv (chroot). */
  get finalStage(): 'perl' | 'setpriv' {
    return this.opts.finalStage ?? (this.tools.perl && perlFinalStageSupported() ? 'perl' : 'setpriv');
  }

  async run(spec: RunSpec): Promise<RunResultWithStubs> {
    if (spec.signal?.aborted) throw cancelled();
    if (spec.args.length === 0) throw new BuildError('E_EXEC_FAILED', 'nothing to run: empty command');
    const finalStage = this.finalStage;
    if (finalStage === 'setpriv' && !this.tools.setpriv) throw new BuildError('E_EXEC_FAILED', 'the unshare executor needs perl or setpriv (util-linux)');
    if (finalStage === 'perl') return this.runPerl(spec);
    // The hot path uses sync fs calls: a few dozen syscalls, far cheaper than thread-pool round trips.
    // on tmpfs: it holds the copies of secret files (exec/secret-dir.ts)
    const runDir = makeSecretDir(this.tmpDir);
    const stubs = new MountStubs(spec.rootfs);
    let lease: NetnsLease | undefined;
    try {
      const root = spec.rootfs;
      const prepared = prepareRun(spec, stubs, runDir, this.etc.writeTo(join(runDir, 'etc'), spec.hostname, spec.network, spec.extraHosts));
      const devDir = join(runDir, 'dev');
      mkdirSync(devDir, { mode: 0o755 });
      chmodSync(devDir, 0o755);
      for (const n of DEV_NODES) writeFileSync(join(devDir, n), '', { mode: 0o666 });
      for (const d of ['pts', 'shm', 'mqueue']) mkdirSync(join(devDir, d), { mode: 0o755 });
      for (const [name, target] of DEV_LINKS) symlinkSync(target, join(devDir, name));
      const etcBinds = prepared.etc.map((e) => ({ source: e.source, target: e.hostTarget }));
      const mounts: SetupInput['mounts'] = prepared.mounts.map((m) => (m.type === 'bind'
        ? { type: 'bind', source: m.source, target: m.hostTarget, readonly: m.readonly }
        : { type: 'tmpfs', target: m.hostTarget, size: m.size }));

      const plan = planSetup({
        tools: this.tools,
        finalStage,
        root,
        devDir,
        etcBinds,
        mounts,
        hostname: spec.hostname,
        shmSize: spec.shmSize,
        procReadonly: this.procReadonly,
        procMasked: this.procMasked,
        dirsMasked: this.dirsMasked,
        newNet: spec.network === 'none',
        // a fresh read-only sysfs (host root owns the host's net ns too, so this works for 'host')
        freshSysfs: true,
        cwd: spec.cwd,
        uid: spec.user.uid,
        gid: spec.user.gid,
        groups: spec.user.additionalGids,
        env: withHome(spec.env, root, spec.user.uid),
        args: spec.args,
      });
      const fstab = join(runDir, 'fstab');
      writeFileSync(fstab, plan.fstab);
      // (the chroot-only fallback has no seccomp, keyring or device cgroup: detectExecutor prefers runc then)
      if (spec.network === 'default') lease = await this.netns.acquire();
      const nsenter = lease ? findTool('nsenter') : undefined;
      if (lease && !nsenter) throw new BuildError('E_EXEC_FAILED', "RUN's default network needs nsenter (util-linux) without perl");
      const result = await this.spawnRun(spec, [this.tools.sh, '-c', plan.script, 'tsbuild-setup', fstab], lease && nsenter ? [nsenter, `--net=${lease.path}`, '--'] : []);
      return { ...result, stubs: stubs.created() };
    } finally {
      lease?.release();
      stubs.cleanup();
      rmSync(runDir, { recursive: true, force: true });
    }
  }

  /**
   * The perl final stage does the whole setup itself (perl-setup.ts): `unshare` execs it directly,
   * and the host sees no per-run files — a scratch dir only for secret-file copies.
   */
  private async runPerl(spec: RunSpec): Promise<RunResultWithStubs> {
    const ids = this.idMap;
    if (ids && (!mapped(ids.uids, spec.user.uid) || !mapped(ids.gids, spec.user.gid))) {
      throw new BuildError('E_ROOTLESS', `the step's user ${spec.user.uid}:${spec.user.gid} does not exist in this user namespace (its uid_map/gid_map leave it out: rootless with a single mapped uid, see docs/rootless.md)`);
    }
    const stubs = new MountStubs(spec.rootfs);
    let runDir: string | undefined;
    const security = spec.security ?? 'sandbox';
    let lease: NetnsLease | undefined;
    let cgroup: StepCgroup | undefined;
    try {
      if (spec.network === 'default') lease = await this.netns.acquire();
      // insecure: every device, as BuildKit's insecure mode allows them
      if (security !== 'insecure') cgroup = this.stepCgroup();
      const root = spec.rootfs;
      if (spec.mounts.some((m) => m.type === 'file')) runDir = makeSecretDir(this.tmpDir); // secret copies: on tmpfs
      const prepared = prepareRun(spec, stubs, runDir ?? '', '');
      const contents = this.etc.contents(spec.hostname, spec.extraHosts);
      const ops = planPerlSetup({
        root,
        etc: prepared.etc.map((e) => ({ name: e.target.slice('/etc/'.length), content: contents[e.target.slice('/etc/'.length) as keyof typeof contents], target: e.hostTarget })),
        mounts: prepared.mounts.map((m) => (m.type === 'bind'
          ? { type: 'bind', source: m.source, target: m.hostTarget, readonly: m.readonly }
          : { type: 'tmpfs', target: m.hostTarget, size: m.size })),
        hostname: spec.hostname,
        shmSize: spec.shmSize,
        freshSysfs: true,
        // insecure: none of Docker's masked or read-only /proc paths, a writable sysfs (BuildKit's WithInsecureSpec)
        procReadonly: security === 'insecure' ? [] : this.procReadonly,
        procMasked: security === 'insecure' ? [] : this.procMasked,
        dirsMasked: security === 'insecure' ? [] : this.dirsMasked,
        writableSysfs: security === 'insecure',
        nodev: !cgroup && security !== 'insecure',
        noTtyGroup: this.noTtyGroup,
      });
      const env = withHome(spec.env, root, spec.user.uid);
      const script = perlFinalStage(stepCaps(security), {
        setgroupsDenied: this.setgroupsDenied,
        loopbackUp: spec.network !== 'host',
        setup: true,
        sandbox: {
          netns: lease?.path,
          cgroups: cgroup?.dirs,
          seccomp: security === 'insecure' ? undefined : defaultSeccompFilter(),
          // only --ulimit nofile=… (set last by the final stage); otherwise inherited, as in BuildKit
          nofile: ulimitNofile(spec),
        },
      });
      const argv = [this.tools.perl!, '-e', script, '--', root, String(ops.length), ...ops,
        spec.cwd, String(spec.user.uid), String(spec.user.gid), spec.user.additionalGids.join(','), String(env.length), ...env, ...spec.args];
      const result = await this.spawnRun(spec, argv);
      return { ...result, stubs: stubs.created() };
    } finally {
      lease?.release();
      stubs.cleanup();
      if (runDir) rmSync(runDir, { recursive: true, force: true });
      await cgroup?.remove();
    }
  }

  /** The step's devices/pids cgroup, or undefined where nodev mounts stand in for it. */
  private stepCgroup(): StepCgroup | undefined {
    if ((this.opts.devicePolicy ?? 'nodev') === 'nodev') return undefined;
    if (!this.cgroupRoots) {
      this.cgroupRoots = stepCgroupRoots();
      sweepStepCgroups(this.cgroupRoots);
    }
    const cg = createStepCgroup(this.cgroupRoots);
    if (!cg) throw new BuildError('E_USAGE', 'no writable cgroup v1 devices hierarchy for the device allow-list');
    return cg;
  }

  /** Ends the pooled network namespaces (their slirp4netns and holder processes). */
  dispose(): void {
    this.netns.dispose();
  }

  /** `unshare` the namespaces and exec `command` (the setup shell, or the perl setup + final stage) in them */
  private async spawnRun(spec: RunSpec, command: string[], prefix: string[] = []): Promise<RunResult> {
    const t = this.tools;
    // the default network's namespace is joined by the final stage (or `nsenter`, the prefix)
    const args = [...prefix.slice(1), ...(prefix.length ? [t.unshare] : []), '--mount', '--pid', '--fork', '--uts', '--ipc', ...(spec.network === 'none' ? ['--net'] : []),
      '--kill-child', '--propagation', 'private', '--', ...command];
    // --ulimit: prlimit sets the limits on itself and execs unshare (same pid), which the step inherits
    let exe = prefix[0] ?? t.unshare;
    if (spec.ulimits?.length) {
      if (!t.prlimit) throw new BuildError('E_UNSUPPORTED', '--ulimit needs prlimit (util-linux) on this machine');
      args.unshift(...spec.ulimits.map((u) => `--${u.name}=${rlim(u.soft)}:${rlim(u.hard)}`), '--', exe);
      exe = t.prlimit;
    }
    const io = await stepStdio();
    // SIGKILL of the builder must not leave the step running (reparented to init): `setpriv
    // --pdeathsig KILL` execs `unshare` with a parent-death signal, so unshare dies with us, and
    // its --kill-child takes the namespace's init, and with it every process of the step.
    const [cmd, cmdArgs] = t.setpriv ? [t.setpriv, ['--pdeathsig', 'KILL', '--', exe, ...args]] : [exe, args];
    return new Promise<RunResult>((resolve, reject) => {
      // Same process group as the build: a terminal Ctrl-C reaches `unshare` too, whose death
      // SIGKILLs the namespace's init (--kill-child) even when the caller never aborts.
      const { child, stdout, stderr, closed } = io.spawn(cmd, cmdArgs, 1);
      const setup: Buffer[] = [];
      (child.stdio[3] as NodeJS.ReadableStream).on('data', (c: Buffer) => setup.push(c));
      const kill = () => {
        try {
          child.kill('SIGKILL');
        } catch {
          // already gone
        }
      };
      // a step whose namespaces were never set up did not run: that, not its exit code, is the error
      const check = (code: number | null, sig: NodeJS.Signals | null) => {
        const out = Buffer.concat(setup).toString();
        if (out.endsWith('\nOK')) return undefined;
        return new BuildError('E_MOUNT', `cannot set up the step's namespaces: ${out.trim() || `exit ${code ?? sig}`}`, { data: { setup: out } });
      };
      settleStep({ child, stdout, stderr, closed }, spec, { binary: t.unshare, kill, check }).then(resolve, reject);
    });
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function ulimitNofile(spec: RunSpec): [number, number] | undefined {
  const u = spec.ulimits?.find((l) => l.name === 'nofile');
  // RLIM_INFINITY is not a value RLIMIT_NOFILE takes: unlimited means the kernel's nr_open (1048576 by default)
  return u ? [u.soft < 0 ? 1048576 : u.soft, u.hard < 0 ? 1048576 : u.hard] : undefined;
}

function rlim(n: number): string {
  return n < 0 ? 'unlimited' : String(n);
}

