/**
 * OCI-runtime executor: runs the step with `runc` or `crun` (`--runtime runc|crun`) from a
 * generated config.json (oci-spec.ts). The runtime does the namespaces, pivot_root, mounts,
 * capabilities and user switching; this class prepares the rootfs (mount stubs, cwd, /etc files —
 * shared with the unshare executor), streams the output, and on cancellation kills the
 * container (`<runtime> kill <id> KILL`) before removing it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Executor, RunResult, RunSpec } from './types.js';
import { BuildError } from '../errors.js';
import { cancelled, settleStep } from './step-exit.js';
import { hostTools } from './host-tools.js';
import { MountStubs } from './stubs.js';
import { EtcFiles } from './etc-files.js';
import { prepareRun } from './prepare-run.js';
import { ociSpec } from './oci-spec.js';
import { stepStdio } from './step-stdio.js';
import { ExecutorNetns, type NetnsLease, type NetnsPool } from './netns-pool.js';

export interface RuncExecutorOptions {
  runtime?: 'runc' | 'crun';
  /** path of the runtime binary; default: found on the fixed host search path */
  binary?: string;
  tmpDir?: string;
  resolvConf?: string;
  /** network namespaces for RUN's default network (default: a pool of this executor's own) */
  netns?: NetnsPool;
}

export class RuncExecutor implements Executor {
  readonly name: string;
  private readonly binary: string;
  private readonly tmpDir: string;
  private readonly stateDir: string;
  private readonly etc: EtcFiles;
  private readonly netns: ExecutorNetns;

  constructor(private readonly opts: RuncExecutorOptions = {}) {
    const runtime = opts.runtime ?? 'runc';
    this.name = runtime;
    const bin = opts.binary ?? hostTools()[runtime];
    if (!bin) throw new BuildError('E_RUNTIME', `OCI runtime ${runtime} is not installed`);
    this.binary = bin;
    this.tmpDir = opts.tmpDir ?? tmpdir();
    this.stateDir = join(this.tmpDir, `tsbuild-${runtime}-state`);
    this.etc = new EtcFiles(opts.resolvConf);
    this.netns = new ExecutorNetns(opts.netns);
  }

  static available(runtime: 'runc' | 'crun'): boolean {
    if (!hostTools()[runtime]) return false;
    // crun refuses hosts whose cgroup v2 hierarchy (hybrid mode) has controllers enabled
    if (runtime === 'crun') return !hybridWithV2Controllers();
    return true;
  }

  async run(spec: RunSpec): Promise<RunResult> {
    if (spec.signal?.aborted) throw cancelled();
    const bundle = mkdtempSync(join(this.tmpDir, 'tsbuild-bundle-'));
    const stubs = new MountStubs(spec.rootfs);
    const id = `tsbuild-${randomBytes(8).toString('hex')}`;
    let lease: NetnsLease | undefined;
    try {
      if (spec.network === 'default') lease = await this.netns.acquire();
      const prepared = prepareRun(spec, stubs, bundle, this.etc.writeTo(join(bundle, 'etc'), spec.hostname, spec.network, spec.extraHosts));
      writeFileSync(join(bundle, 'config.json'), JSON.stringify(ociSpec(spec, prepared, lease?.path)));
      return await this.spawnRun(spec, bundle, id);
    } finally {
      await this.runtime(['delete', '--force', id]).catch(() => undefined);
      lease?.release();
      stubs.cleanup();
      rmSync(bundle, { recursive: true, force: true });
    }
  }

  /** Ends the pooled network namespaces (their slirp4netns and holder processes). */
  dispose(): void {
    this.netns.dispose();
  }

  private async spawnRun(spec: RunSpec, bundle: string, id: string): Promise<RunResult> {
    const io = await stepStdio();
    const lifeline = this.lifeline(id);
    return new Promise<RunResult>((resolve, reject) => {
      const { child, stdout, stderr, closed } = io.spawn(this.binary, [...this.globalArgs(), 'run', '--bundle', bundle, id]);
      // killing the runtime process would leave the container running: kill the container
      const kill = () => void this.runtime(['kill', id, 'KILL']).catch(() => undefined);
      settleStep({ child, stdout, stderr, closed }, spec, { binary: this.binary, kill }).finally(() => lifeline?.kill('SIGKILL')).then(resolve, reject);
    });
  }

  /**
   * SIGKILL of the builder must not leave the container running: its init is the runtime's child,
   * not ours, so no parent-death signal reaches it. A lifeline does: a small shell in its own
   * process group, reading a pipe whose other end only this process holds. When this process dies
   * the pipe reads EOF and the shell runs `<runtime> delete --force <id>` (SIGKILL to every process
   * of the container). After a normal run it is killed unused.
   */
  private lifeline(id: string): ReturnType<typeof spawn> | undefined {
    try {
      const p = spawn(hostTools().sh, ['-c', 'read _ || :; exec "$0" --root "$1" delete --force "$2"', this.binary, this.stateDir, id], { stdio: ['pipe', 'ignore', 'ignore'], detached: true, env: {} });
      p.on('error', () => undefined);
      p.unref();
      (p.stdin as unknown as { unref?: () => void } | null)?.unref?.();
      return p;
    } catch {
      return undefined;
    }
  }

  private globalArgs(): string[] {
    return ['--root', this.stateDir];
  }

  private runtime(args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const p = spawn(this.binary, [...this.globalArgs(), ...args], { env: {}, stdio: 'ignore' });
      p.on('error', reject);
      p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${this.binary} ${args[0]} exited ${code}`))));
    });
  }
}

function hybridWithV2Controllers(): boolean {
  try {
    return readFileSync('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8').trim() !== '';
  } catch {
    return false;
  }
}
