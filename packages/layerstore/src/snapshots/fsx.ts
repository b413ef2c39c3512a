/**
 * The two syscalls Node lacks — lsetxattr/lgetxattr/llistxattr and mknod — without a native
 * addon: one `perl` process (perl-base is Essential on Debian) runs a batch of raw syscalls.
 * Whiteouts, device nodes and xattrs are rare, so one spawn per extraction is cheap.
 */
import { spawn, execFileSync } from 'node:child_process';
import { formatError, StoreError } from '../errors.js';

const SYSCALLS: Record<string, { lsetxattr: number; lgetxattr: number; llistxattr: number; mknodat: number }> = {
  x64: { lsetxattr: 189, lgetxattr: 192, llistxattr: 195, mknodat: 259 },
  arm64: { lsetxattr: 6, lgetxattr: 9, llistxattr: 12, mknodat: 33 },
};

const SCRIPT = String.raw`
use strict;
my ($SET, $GET, $LIST, $MKNODAT) = @ARGV;
$| = 1;
while (my $l = <STDIN>) {
  chomp $l;
  my @f = split /\t/, $l, -1;
  my $op = shift @f;
  if ($op eq 'x') {
    my ($p, $n, $v) = map { pack('H*', $_) } @f;
    syscall($SET + 0, $p, $n, $v, length($v), 0) == 0 or die "lsetxattr $p $n: $!\n";
  } elsif ($op eq 'm') {
    my $p = pack('H*', $f[0]);
    my $mode = hex($f[1]); my $dev = hex($f[2]);
    syscall($MKNODAT + 0, -100, $p, $mode, $dev) == 0 or die "mknod $p: $!\n";
  } elsif ($op eq 'g') {
    my ($p, $n) = map { pack('H*', $_) } @f;
    my $buf = "\0" x 65536;
    my $r = syscall($GET + 0, $p, $n, $buf, 65536);
    print $r < 0 ? "-\n" : unpack('H*', substr($buf, 0, $r)) . "\n";
  } elsif ($op eq 'l') {
    my $p = pack('H*', $f[0]);
    my $buf = "\0" x 65536;
    my $r = syscall($LIST + 0, $p, $buf, 65536);
    print $r < 0 ? "-\n" : unpack('H*', substr($buf, 0, $r)) . "\n";
  }
}
`;

function numbers(): string[] {
  const s = SYSCALLS[process.arch];
  if (!s) throw formatError(`xattrs and device nodes are not supported on ${process.arch}`);
  return [String(s.lsetxattr), String(s.lgetxattr), String(s.llistxattr), String(s.mknodat)];
}

export type NativeOp =
  | { op: 'xattr'; path: string; name: string; value: Buffer }
  | { op: 'mknod'; path: string; /** st_mode incl. S_IFCHR/S_IFBLK/S_IFIFO */ mode: number; dev: number };

const hex = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s) : s).toString('hex');

/** Run a batch of lsetxattr/mknod calls; rejects on the first failure. */
export async function runNativeOps(ops: readonly NativeOp[]): Promise<void> {
  if (ops.length === 0) return;
  const input = ops
    .map((o) => (o.op === 'xattr' ? `x\t${hex(o.path)}\t${hex(o.name)}\t${hex(o.value)}` : `m\t${hex(o.path)}\t${o.mode.toString(16)}\t${o.dev.toString(16)}`))
    .join('\n');
  await new Promise<void>((resolve, reject) => {
    const child = spawn('perl', ['-e', SCRIPT, ...numbers()], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new StoreError('E_IO', `setting xattrs/device nodes failed: ${err.trim()}`))));
    child.stdin.end(input + '\n');
  });
}

function query(lines: string[]): string[] {
  const out = execFileSync('perl', ['-e', SCRIPT, ...numbers()], { input: lines.join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 30 });
  return out.split('\n').slice(0, lines.length);
}

/** lgetxattr: the value, or undefined when the path does not have it. */
export function getXattr(path: string, name: string): Buffer | undefined {
  const [r] = query([`g\t${hex(path)}\t${hex(name)}`]);
  return r === undefined || r === '-' ? undefined : Buffer.from(r, 'hex');
}

/** llistxattr + lgetxattr for many paths at once (two perl runs in all): path → name → value. */
export function readXattrsOf(paths: readonly string[]): Map<string, Map<string, Buffer>> {
  const out = new Map<string, Map<string, Buffer>>(paths.map((p) => [p, new Map()]));
  if (paths.length === 0) return out;
  const lists = query(paths.map((p) => `l\t${hex(p)}`));
  const asks: [string, string][] = [];
  paths.forEach((p, i) => {
    const l = lists[i];
    if (!l || l === '-') return;
    for (const n of Buffer.from(l, 'hex').toString().split('\0').filter(Boolean)) asks.push([p, n]);
  });
  if (asks.length === 0) return out;
  const vals = query(asks.map(([p, n]) => `g\t${hex(p)}\t${hex(n)}`));
  asks.forEach(([p, n], i) => {
    const v = vals[i];
    if (v !== undefined && v !== '-') out.get(p)!.set(n, Buffer.from(v, 'hex'));
  });
  return out;
}

/** Linux makedev() for the glibc dev_t encoding. */
export function makedev(major: number, minor: number): number {
  return (major & 0xfff) * 256 + (minor & 0xff) + (minor & 0xffffff00) * 4096 + (major & 0xfffff000) * 2 ** 32;
}
