/**
 * One long-lived helper process for the privileged syscalls Node lacks: mount(2), umount2(2) and
 * lgetxattr(2). A cold build mounts, unmounts and reads xattrs a few times per step; spawning
 * `mount`, `umount` or a perl one-shot for each costs a fork of the whole Node process on the main
 * thread (~5-10 ms each, ~250 ms per small build). The helper is one `perl` (perl-base is
 * Essential on Debian/Ubuntu; no modules, only `syscall`) started on first use and answering
 * requests over a pipe, in order, one at a time.
 *
 * Protocol: a request is NUL-terminated fields `id op args...` (the op fixes the count); the
 * answer is one line `id <errno> <payload>` (errno 0 = success; payload hex or empty).
 *   m cwd source target fstype flags data   mount(2), after chdir(cwd) ('' = stay in /)
 *   u target flags                          umount2(2)
 *   x n (name path){n}                      lgetxattr(2) each; payload `i:hex,...` for the present ones
 *   f path mode                             mknodat(2) of a FIFO (a step's stdout/stderr without the addon)
 *
 * The process never keeps Node alive: its pipes are unref'd while nothing is pending, and it
 * exits on EOF when Node goes away — only then: it ignores the terminal's signals (a Ctrl-C
 * reaches the whole process group), so the build's cancellation can still unmount.
 *
 * Where the syscall addon was built (native/sys.c, see exec/native-sys.ts), `sysHelper()` answers
 * the same calls in-process instead: no helper process at all. It returns undefined where neither
 * the addon nor perl with known syscall numbers is there; callers then spawn the tools as before.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { hostTools } from './host-tools.js';
import { sysAddon, type SysAddon } from './native-sys.js';

/** The privileged syscalls, from the addon or the perl helper (same answers, same errors). */
export interface SysCalls {
  /** mount(2); `cwd` makes relative paths in `data` resolve there (overlay's short lowerdir links). */
  mount(source: string, target: string, fstype: string, flags: number, data: string, cwd?: string): Promise<void>;
  /** umount2(2); flags 2 = MNT_DETACH. */
  umount(target: string, flags?: number): Promise<void>;
  /** lgetxattr(2) of each query; absent attributes (or unreadable paths) are missing from the map. */
  getxattrs(queries: { path: string; name: string }[]): Promise<Map<number, Buffer>>;
  /** Get ready now: the first call is moments away. */
  warm(): void;
}

/** mount, umount2, lgetxattr, mknodat per Node arch (Linux). */
const NR: Partial<Record<string, [number, number, number, number]>> = {
  x64: [165, 166, 192, 259],
  arm64: [40, 39, 9, 33],
  riscv64: [40, 39, 9, 33],
  loong64: [40, 39, 9, 33],
};

const SCRIPT = String.raw`
use strict; binmode STDIN; binmode STDOUT; $| = 1; $/ = "\0";
$SIG{$_} = 'IGNORE' for qw(INT TERM HUP QUIT);
my ($MOUNT, $UMOUNT2, $LGETXATTR, $MKNODAT) = map { $_ + 0 } @ARGV;
sub f { my $v = <STDIN>; exit 0 unless defined $v; chop $v; return $v; }
while (1) {
  my $id = f(); my $op = f();
  if ($op eq 'm') {
    my ($cwd, $src, $tgt, $type, $flags, $data) = (f(), f(), f(), f(), f(), f());
    if (length $cwd && !chdir($cwd)) { print "$id ", ($! + 0), "\n"; next; }
    my $r = syscall($MOUNT, $src, $tgt, $type, $flags + 0, $data);
    my $e = $! + 0; chdir("/") if length $cwd;
    print "$id ", ($r == 0 ? 0 : $e), "\n";
  } elsif ($op eq 'u') {
    my ($tgt, $flags) = (f(), f());
    my $r = syscall($UMOUNT2, $tgt, $flags + 0);
    print "$id ", ($r == 0 ? 0 : $! + 0), "\n";
  } elsif ($op eq 'x') {
    my $n = f(); my @out;
    for my $i (0 .. $n - 1) {
      my ($name, $path) = (f(), f());
      my $buf = "\0" x 65536; my $r = syscall($LGETXATTR, $path, $name, $buf, 65536);
      push @out, "$i:" . unpack("H*", substr($buf, 0, $r)) if $r >= 0;
    }
    print "$id 0 ", join(",", @out), "\n";
  } elsif ($op eq 'f') {
    my ($path, $mode) = (f(), f());
    my $r = syscall($MKNODAT, -100, $path, 0010000 | ($mode + 0), 0);
    print "$id ", ($r == 0 ? 0 : $! + 0), "\n";
  } else { print "$id 22\n"; }
}`;

/** A failed syscall: `errno` is the number, `code` its name when known (EINVAL, EBUSY, …). */
export class SyscallError extends Error {
  constructor(readonly syscall: string, readonly errno: number, detail: string) {
    const code = ERRNO_NAMES[errno] ?? `errno ${errno}`;
    super(`${syscall} ${detail}: ${code} (${ERRNO_TEXT[errno] ?? 'error'})`);
    this.code = code;
  }
  readonly code: string;
}

const ERRNO_NAMES: Record<number, string> = { 1: 'EPERM', 2: 'ENOENT', 13: 'EACCES', 16: 'EBUSY', 17: 'EEXIST', 19: 'ENODEV', 20: 'ENOTDIR', 22: 'EINVAL', 38: 'ENOSYS', 95: 'EOPNOTSUPP' };
const ERRNO_TEXT: Record<number, string> = {
  1: 'operation not permitted', 2: 'no such file or directory', 13: 'permission denied', 16: 'device or resource busy',
  19: 'no such device', 20: 'not a directory', 22: 'invalid argument', 38: 'function not implemented', 95: 'operation not supported',
};

interface Pending { resolve(v: { errno: number; payload: string }): void; reject(e: Error): void }

export class SysHelper implements SysCalls {
  private child?: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private buffered = '';

  constructor(private readonly perl: string, private readonly nr: [number, number, number] | [number, number, number, number]) {}

  /** mkfifo(3): a FIFO at `path` (it must not exist) */
  async mkfifo(path: string, mode = 0o600): Promise<void> {
    if (this.nr[3] === undefined) throw new Error('mknodat: no syscall number for this architecture');
    const { errno } = await this.request(['f', path, String(mode)]);
    if (errno !== 0) throw new SyscallError('mknod', errno, path);
  }

  /** mount(2); `cwd` makes relative paths in `data` resolve there (overlay's short lowerdir links). */
  async mount(source: string, target: string, fstype: string, flags: number, data: string, cwd = ''): Promise<void> {
    const { errno } = await this.request(['m', cwd, source, target, fstype, String(flags), data]);
    if (errno !== 0) throw new SyscallError('mount', errno, `${fstype} on ${target}`);
  }

  /** umount2(2); flags 2 = MNT_DETACH. */
  async umount(target: string, flags = 0): Promise<void> {
    const { errno } = await this.request(['u', target, String(flags)]);
    if (errno !== 0) throw new SyscallError('umount2', errno, target);
  }

  /** lgetxattr(2) of each query; absent attributes (or unreadable paths) are missing from the map. */
  async getxattrs(queries: { path: string; name: string }[]): Promise<Map<number, Buffer>> {
    const out = new Map<number, Buffer>();
    if (queries.length === 0) return out;
    const fields = ['x', String(queries.length)];
    for (const q of queries) fields.push(q.name, q.path);
    const { payload } = await this.request(fields);
    if (payload) {
      for (const item of payload.split(',')) {
        const c = item.indexOf(':');
        out.set(Number(item.slice(0, c)), Buffer.from(item.slice(c + 1), 'hex'));
      }
    }
    return out;
  }

  /** Start the process now (its first request is moments away: perl's start-up then overlaps other work). */
  warm(): void {
    this.start();
  }

  private request(fields: string[]): Promise<{ errno: number; payload: string }> {
    if (hasNul(fields)) return Promise.reject(nulError());
    const child = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.hold(true);
      this.pending.set(id, { resolve, reject });
      child.stdin.write(Buffer.from([id, ...fields].map((f) => `${f}\0`).join('')));
    });
  }

  private start(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn(this.perl, ['-e', SCRIPT, ...this.nr.map(String)], { stdio: ['pipe', 'pipe', 'pipe'], env: {} });
    this.child = child;
    let stderr = '';
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => this.onData(chunk));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.on('error', () => undefined);
    const gone = (why: string) => {
      if (this.child !== child) return;
      this.child = undefined;
      const err = new Error(`the syscall helper (${this.perl}) exited: ${why}${stderr ? `: ${stderr.trim()}` : ''}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    child.on('error', (e) => gone(e.message));
    child.on('close', (code, sig) => gone(`${code ?? sig}`));
    child.unref();
    this.hold(false);
    return child;
  }

  /** keep the event loop alive only while answers are awaited */
  private hold(on: boolean): void {
    const c = this.child;
    if (!c) return;
    for (const s of [c.stdin, c.stdout, c.stderr] as unknown as { ref?(): void; unref?(): void }[]) {
      if (on) s.ref?.();
      else s.unref?.();
    }
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let nl: number;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      const [id, errno, payload] = line.split(' ');
      const p = this.pending.get(Number(id));
      if (!p) continue;
      this.pending.delete(Number(id));
      if (this.pending.size === 0) this.hold(false);
      p.resolve({ errno: Number(errno), payload: payload ?? '' });
    }
  }
}

const XATTR_BATCH = 2048;

/** C strings end at NUL: such an argument would name something else */
function hasNul(fields: string[]): boolean {
  return fields.some((f) => f.includes('\0'));
}

function nulError(): Error {
  return new Error('a syscall argument contains a NUL byte');
}

/** The addon's calls behind the same interface: synchronous syscalls, answered as promises. */
export class NativeSysCalls implements SysCalls {
  constructor(private readonly addon: SysAddon) {}

  async mount(source: string, target: string, fstype: string, flags: number, data: string, cwd = ''): Promise<void> {
    if (hasNul([source, target, fstype, data, cwd])) throw nulError();
    const errno = this.addon.mount(source, target, fstype, flags, data, cwd);
    if (errno !== 0) throw new SyscallError('mount', errno, `${fstype} on ${target}`);
  }

  async umount(target: string, flags = 0): Promise<void> {
    if (hasNul([target])) throw nulError();
    const errno = this.addon.umount2(target, flags);
    if (errno !== 0) throw new SyscallError('umount2', errno, target);
  }

  async getxattrs(queries: { path: string; name: string }[]): Promise<Map<number, Buffer>> {
    const out = new Map<number, Buffer>();
    for (let i = 0; i < queries.length; i++) {
      // ~4 µs a call: a big diff's 20,000 queries take ~85 ms (the perl helper ~140 ms); other
      // stages' work gets the thread between batches
      if (i > 0 && i % XATTR_BATCH === 0) await new Promise((r) => setImmediate(r));
      const q = queries[i]!;
      if (hasNul([q.path, q.name])) continue;
      const v = this.addon.lgetxattr(q.path, q.name);
      if (typeof v !== 'number') out.set(i, v);
    }
    return out;
  }

  warm(): void {
    /* nothing to start */
  }
}

let shared: SysCalls | null | undefined;

/** The process's syscalls: the addon, else the perl helper; undefined where neither can run. */
export function sysHelper(): SysCalls | undefined {
  if (shared === undefined) {
    const addon = process.platform === 'linux' ? sysAddon() : undefined;
    const perl = addon ? undefined : hostTools().perl;
    const nr = NR[process.arch];
    shared = addon ? new NativeSysCalls(addon) : perl && nr && process.platform === 'linux' ? new SysHelper(perl, nr) : null;
  }
  return shared ?? undefined;
}
