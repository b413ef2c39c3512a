/**
 * Default executor: util-linux `unshare` + `setpriv`, no daemon, no runtime.
 *
 *   node ─spawn─▶ unshare --mount --pid --fork --uts --ipc [--net] --kill-child --propagation private
 *                   └─ /bin/sh (host, PID 1 of the new pid ns): one `mount -a -T fstab` (rootfs bind,
 *                      proc, the run's /dev skeleton + device nodes, pts, shm, mqueue, sys, /proc masks,
 *                      /etc/{hosts,resolv.conf,hostname}, RUN mounts), hostname, lo up
 *                      └─ exec perl final stage: pivot_root, detach host root, caps, ids, cwd, env,
 *                         exec args  (stays PID 1)      [see final-stage.ts; setpriv fallback]
 *
 * Every mount lives in the private mount namespace, which dies with its last process: nothing is
 * left on the host, whatever way the step ends. The pid namespace dies with its init (the step's
 * command, or the setup shell before it), taking background processes with it; `--kill-child`
 * SIGKILLs that init when `unshare` itself is killed (cancellation).
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir, constants as osConstants } from 'node:os';
import { join } from 'node:path';
import type { Executor, RunResult, RunSpec } from './types.js';
import { BuildError } from '../errors.js';
import { hostTools, type HostTools } from './host-tools.js';
import { MountStubs } from './stubs.js';
import { EtcFiles } from './etc-files.js';
import { prepareRun } from './prepare-run.js';
import { perlFinalStageSupported } from './final-stage.js';
import { withHome } from './home.js';
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
}

export interface RunResultWithStubs extends RunResult {
  /** mount-target placeholders created (and removed again) during the run, relative to the rootfs */
  stubs: string[];
}

const DEV_LINKS: [string, string][] = [['fd', '/proc/self/fd'], ['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'],
  ['stderr', '/proc/self/fd/2'], ['ptmx', 'pts/ptmx']];

export class UnshareExecutor implements Executor {
  readonly name = 'unshare';
  private readonly tools: HostTools;
  private readonly tmpDir: string;
  private readonly etc: EtcFiles;
  private readonly procReadonly = PROC_READONLY.filter((p) => existsSync(`/proc/${p}`));
  private readonly procMasked = PROC_MASKED.filter((p) => existsSync(`/proc/${p}`));
  private readonly dirsMasked = DIRS_MASKED.filter((d) => existsSync(d));

  constructor(private readonly opts: UnshareExecutorOptions = {}) {
    this.tools = hostTools();
    this.tmpDir = opts.tmpDir ?? tmpdir();
    this.etc = new EtcFiles(opts.resolvConf);
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
    // The hot path uses sync fs calls: a few dozen syscalls, far cheaper than thread-pool round trips.
    const runDir = mkdtempSync(join(this.tmpDir, 'tsbuild-run-'));
    const stubs = new MountStubs(spec.rootfs);
    try {
      const root = spec.rootfs;
      const prepared = prepareRun(spec, stubs, runDir, this.etc.writeTo(join(runDir, 'etc'), spec.hostname, spec.network));
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
      const result = await this.spawnRun(spec, plan.script, [fstab]);
      return { ...result, stubs: stubs.created() };
    } finally {
      stubs.cleanup();
      rmSync(runDir, { recursive: true, force: true });
    }
  }

  /** Nothing outlives a run any more; kept so callers may dispose executors uniformly. */
  dispose(): void {
    // no shared state
  }

  private spawnRun(spec: RunSpec, script: string, scriptArgs: string[]): Promise<RunResult> {
    const t = this.tools;
    const args = ['--mount', '--pid', '--fork', '--uts', '--ipc', ...(spec.network === 'none' ? ['--net'] : []),
      '--kill-child', '--propagation', 'private', '--', t.sh, '-c', script, 'tsbuild-setup', ...scriptArgs];
    return new Promise<RunResult>((resolve, reject) => {
      // Same process group as the build: a terminal Ctrl-C reaches `unshare` too, whose death
      // SIGKILLs the namespace's init (--kill-child) even when the caller never aborts.
      const child = spawn(t.unshare, args, { env: {}, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
      const setup: Buffer[] = [];
      let aborted = false;
      const onAbort = () => {
        aborted = true;
        try {
          child.kill('SIGKILL');
        } catch {
          // already gone
        }
      };
      spec.signal?.addEventListener('abort', onAbort, { once: true });
      if (spec.signal?.aborted) onAbort();
      child.stdout!.on('data', (c: Buffer) => spec.onStdout?.(c));
      child.stderr!.on('data', (c: Buffer) => spec.onStderr?.(c));
      (child.stdio[3] as NodeJS.ReadableStream).on('data', (c: Buffer) => setup.push(c));
      child.on('error', (err) => {
        spec.signal?.removeEventListener('abort', onAbort);
        reject(new BuildError('E_EXEC_FAILED', `cannot start ${t.unshare}: ${err.message}`, { cause: err }));
      });
      child.on('close', (code, sig) => {
        spec.signal?.removeEventListener('abort', onAbort);
        if (aborted || spec.signal?.aborted) return reject(cancelled());
        const out = Buffer.concat(setup).toString();
        if (!out.endsWith('\nOK')) {
          return reject(new BuildError('E_MOUNT', `cannot set up the step's namespaces: ${out.trim() || `exit ${code ?? sig}`}`, { data: { setup: out } }));
        }
        if (sig) {
          const num = (osConstants.signals as Record<string, number>)[sig] ?? 0;
          return resolve({ exitCode: 128 + num, signal: sig });
        }
        resolve({ exitCode: code ?? 1 });
      });
    });
  }
}

function cancelled(): BuildError {
  return new BuildError('E_CANCELLED', 'the step was cancelled');
}

