/**
 * Identity fingerprint of whole directory trees, taken by a short-lived perl process instead of
 * Node: the no-change check of a big COPY source (builder's context/checksum.ts) in a fraction of
 * Node's time. Here because @tsbuild/sys owns tsbuild's perl programs (the fallback server and
 * this walker; the executors' final stage is an executor and stays in builder's exec/).
 *
 * Why: to know that a 20,000-file source is unchanged, every entry must be lstat'ed (its inode,
 * size and ctime are what the checksum cache trusts). From Node each lstat costs twice the
 * syscall again (binding, a Stats object, garbage), so the walk alone was most of a warm `bigctx`
 * rebuild (docs/performance.md); perl pays little more than the syscall, walks relative to each directory
 * (chdir: one path component per lookup), and forks to use every CPU (the top-level entries are
 * dealt round-robin to the children). Each child streams packed records through its own pipe
 * (fd 3, 4, …), which Node hashes natively as they arrive.
 *
 * Per entry, in a fixed order (a directory's entries sorted, then its subdirectories): the path
 * relative to the walked directory, st_mode, size, inode, mtime and ctime in whole seconds (core
 * perl's lstat: perl-base, which @tsbuild/sys's fallback server needs anyway, has no Time::HiRes). Whole
 * seconds are enough because checksum.ts only stores a fingerprint when nothing it walked changed
 * within FAST_SETTLED_MS before the walker started: a later change moves some ctime — which user
 * space cannot set — to a later second than any recorded one.
 *
 * Where perl is missing or anything fails the result is undefined and the caller walks in Node.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { perlPath } from '../tools.js';

/** bump when the hashed fields or their encoding change */
export const FAST_WALK_VERSION = 'tsbuild-fastwalk-v1';

const SCRIPT = String.raw`
use strict;
my ($k, @dirs) = @ARGV;
my ($out, $buf);
sub walk {
  my ($abs, $rel, $names) = @_;   # cwd is $abs
  my @sub;
  for my $x (@$names) {
    my @s = lstat($x);
    if (!@s) { $buf .= pack('Z*C', "$rel$x", 255); next }
    $buf .= pack('Z*CLQ<Q<q<q<', "$rel$x", 0, $s[2], $s[7], $s[1], $s[9], $s[10]);
    push @sub, $x if ($s[2] & 0170000) == 0040000;
  }
  if (length($buf) > 65536) { print $out $buf; $buf = '' }
  for my $x (@sub) {
    my $d;
    if (!(chdir("$abs/$x") && opendir($d, '.'))) { $buf .= pack('Z*C', "$rel$x/", 254); next }
    my @names = sort grep { $_ ne '.' && $_ ne '..' } readdir($d);
    closedir($d);
    walk("$abs/$x", "$rel$x/", \@names);
  }
}
my @kids;
for my $c (0 .. $k - 1) {
  my $pid = fork();
  die "fork: $!\n" unless defined $pid;
  if ($pid == 0) {
    open($out, '>&=', 3 + $c) or exit 1;
    binmode($out);
    for my $dir (@dirs) {
      opendir(my $d, $dir) && chdir($dir) or exit 1;
      my @top = sort grep { $_ ne '.' && $_ ne '..' } readdir($d);
      closedir($d);
      $buf = pack('Z*', $dir);
      walk($dir, '', [@top[grep { $_ % $k == $c } 0 .. $#top]]);
      print $out $buf;
    }
    close($out) or exit 1;
    exit 0;
  }
  push @kids, $pid;
}
my $ok = 1;
for (@kids) { waitpid($_, 0); $ok = 0 if $? != 0 }
print $ok ? "ok\n" : "error\n";
`;

export interface FastWalk {
  /** hex sha256 of each child's record stream, in child order */
  digests: string[];
  /** bytes of records received */
  bytes: number;
}

/** A fingerprint may be stored only when the walk's newest ctime is this much older than its start. */
export const FAST_SETTLED_MS = 2000;

/**
 * Walk `dirs` (absolute) with `workers` processes; undefined where it cannot (no perl, an
 * unreadable directory, a failure of any kind).
 */
export function fastWalk(dirs: string[], workers: number, signal?: AbortSignal): Promise<FastWalk | undefined> {
  const perl = perlPath();
  if (!perl || dirs.length === 0 || signal?.aborted) return Promise.resolve(undefined);
  const k = Math.max(1, Math.min(4, Math.floor(workers)));
  return new Promise((resolve) => {
    const stdio: ('ignore' | 'pipe')[] = ['ignore', 'pipe', 'ignore'];
    for (let i = 0; i < k; i++) stdio.push('pipe');
    const child = spawn(perl, ['-e', SCRIPT, String(k), ...dirs], { stdio, env: {}, signal });
    let status = '';
    let bytes = 0;
    const hashes = Array.from({ length: k }, (_, i) => {
      const h = createHash('sha256');
      (child.stdio[3 + i] as Readable).on('data', (c: Buffer) => { bytes += c.length; h.update(c); });
      return h;
    });
    child.stdout!.setEncoding('latin1');
    child.stdout!.on('data', (c: string) => (status += c));
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => {
      if (code !== 0 || status !== 'ok\n') return resolve(undefined);
      resolve({ digests: hashes.map((h) => h.digest('hex')), bytes });
    });
  });
}
