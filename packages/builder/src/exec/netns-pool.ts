/**
 * Network namespaces for RUN's default network: isolated, with outbound access through
 * user-mode NAT (slirp4netns), the host's loopback out of reach.
 *
 *   holder:  unshare --net -- sh -c 'echo; read _'     keeps the namespace alive; its stdin is our
 *                                                      pipe, so it exits when tsbuild does
 *   NAT:     slirp4netns --configure --disable-host-loopback --enable-sandbox --enable-seccomp
 *              --ready-fd 3 --exit-fd 4 <holder pid> tap0   (10.0.2.100/24, gateway 10.0.2.2,
 *                                                      DNS 10.0.2.3; exits when fd 4 closes)
 *   a step:  joins /proc/<holder pid>/ns/net (the perl final stage calls setns(2); runc gets it
 *            as the namespace's path)
 *
 * Like BuildKit's network-namespace pool, a namespace serves one step at a time and is reused by
 * the next: the first step with the default network pays for the two spawns, later ones nothing.
 * A step cannot leave state behind in it (no CAP_NET_ADMIN, /proc/sys read-only), and its
 * processes die with its pid namespace before the namespace goes back to the pool.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { BuildError } from '../errors.js';
import { findTool, hostTools } from './host-tools.js';

export interface NetnsLease {
  /** /proc/<pid>/ns/net of the holder */
  path: string;
  /** back to the pool (a broken namespace is discarded instead) */
  release(): void;
}

interface Netns { path: string; holder: ChildProcess; slirp: ChildProcess; dead: boolean }

export class NetnsPool {
  private readonly free: Netns[] = [];
  private readonly all = new Set<Netns>();
  private disposed = false;

  constructor(private readonly tools: { unshare: string; sh: string; slirp4netns?: string } ) {}

  async acquire(): Promise<NetnsLease> {
    if (this.disposed) throw new Error('network namespace pool disposed');
    let ns = this.free.pop();
    while (ns?.dead) ns = this.free.pop();
    if (!ns) ns = await this.create();
    const taken = ns;
    return {
      path: taken.path,
      release: () => {
        if (taken.dead || this.disposed) return this.destroy(taken);
        this.free.push(taken);
      },
    };
  }

  dispose(): void {
    this.disposed = true;
    for (const ns of this.all) this.destroy(ns);
    this.free.length = 0;
  }

  private destroy(ns: Netns): void {
    ns.dead = true;
    this.all.delete(ns);
    for (const p of [ns.slirp, ns.holder]) {
      try {
        p.kill('SIGKILL');
      } catch {
        // gone already
      }
    }
  }

  private async create(): Promise<Netns> {
    const slirpBin = this.tools.slirp4netns;
    if (!slirpBin) {
      throw new BuildError('E_EXEC_FAILED', "RUN's default network needs slirp4netns (apt-get install slirp4netns), or use --network none");
    }
    const holder = spawn(this.tools.unshare, ['--net', '--', this.tools.sh, '-c', 'echo; read _'], { stdio: ['pipe', 'pipe', 'ignore'], env: {} });
    const fail = (why: string, cause?: unknown): BuildError => {
      holder.kill('SIGKILL');
      return new BuildError('E_EXEC_FAILED', `cannot set up RUN's network: ${why}`, { cause });
    };
    // the echo comes from inside the new namespace: only then is /proc/<pid>/ns/net not the host's
    await new Promise<void>((resolve, reject) => {
      holder.once('error', (e) => reject(fail(e.message, e)));
      holder.once('exit', (code) => reject(fail(`unshare --net exited ${code}`)));
      holder.stdout!.once('data', () => resolve());
    });
    holder.removeAllListeners('exit');
    holder.stdout!.destroy();
    const pid = holder.pid!;
    const path = `/proc/${pid}/ns/net`;
    if (readlinkSync(path) === readlinkSync('/proc/self/ns/net')) throw fail('the namespace holder is in the host network namespace');
    const slirp = spawn(slirpBin, ['--configure', '--mtu=65520', '--disable-host-loopback', '--enable-sandbox', '--enable-seccomp',
      '--ready-fd=3', '--exit-fd=4', String(pid), 'tap0'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], env: {} });
    let err = '';
    slirp.stderr!.on('data', (c: Buffer) => (err += c.toString()).slice(-2000));
    await new Promise<void>((resolve, reject) => {
      slirp.once('error', (e) => reject(fail(e.message, e)));
      // rootless: the namespace's root cannot open a 0600 /dev/net/tun of the host's root
      const tunHint = (e: string) => (/\/dev\/net\/tun.*(Permission denied|Operation not permitted)/.test(e)
        ? ' (rootless builds need /dev/net/tun readable and writable by the user, as udev makes it by default: 0666; or use --network none)' : '');
      slirp.once('exit', (code) => reject(fail(`slirp4netns exited ${code}: ${err.trim()}${tunHint(err)}`)));
      (slirp.stdio[3] as NodeJS.ReadableStream).once('data', () => resolve());
    });
    slirp.removeAllListeners('exit');
    // the two live as long as this pool, and no longer than tsbuild: neither keeps node's loop alive
    for (const p of [holder, slirp]) {
      p.unref();
      for (const s of p.stdio) (s as { unref?: () => void } | null)?.unref?.();
    }
    const ns: Netns = { path, holder, slirp, dead: false };
    const died = () => this.destroy(ns);
    holder.once('exit', died);
    slirp.once('exit', died);
    this.all.add(ns);
    return ns;
  }
}

/**
 * One executor's network namespaces: the pool it was given (shared with other executors, so not
 * its to end) or its own, made when a step first needs the default network and ended by dispose()
 * (a later step makes a new one).
 */
export class ExecutorNetns {
  private own: NetnsPool | undefined;

  constructor(private readonly given?: NetnsPool, private readonly create: () => NetnsPool = hostPool) {}

  acquire(): Promise<NetnsLease> {
    return (this.given ?? (this.own ??= this.create())).acquire();
  }

  /** Ends the executor's own pool (its slirp4netns and holder processes); a given one lives on. */
  dispose(): void {
    const own = this.own;
    this.own = undefined;
    own?.dispose();
  }
}

function hostPool(): NetnsPool {
  const t = hostTools();
  return new NetnsPool({ unshare: t.unshare, sh: t.sh, slirp4netns: findTool('slirp4netns') });
}
