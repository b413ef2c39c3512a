/**
 * The one perl program of @tsbuild/sys: a server answering syscall requests over a pipe, in order,
 * one at a time (perl-base is Essential on Debian/Ubuntu; no modules, only `syscall`). Its syscall
 * numbers come from the one table (table/numbers.ts) as argv, in NAMES order.
 *
 * Protocol. A request is NUL-terminated fields `id op args...` (the op fixes the count; paths are
 * raw bytes — names need not be UTF-8 —, xattr values hex). The answer is one line
 * `id <errno> <payload>` (errno 0 = success; payload empty or `i:hex,...` / `i:errno,...`).
 *   m cwd source target fstype flags data   mount(2), after chdir(cwd) ('' = stay in /)
 *   u target flags                          umount2(2)
 *   g n (path name){n}                      lgetxattr(2) each; payload `i:hex` for the present ones
 *   l n path{n}                             llistxattr(2) each; payload `i:hex` of the non-empty lists
 *   s n (path name hexvalue){n}             lsetxattr(2) each; payload `i:errno` for the failed ones
 *   n n (path mode major minor){n}          mknodat(AT_FDCWD) each; payload `i:errno` for the failed ones
 *
 * It exits on EOF when Node goes away — only then: it ignores the terminal's signals (a Ctrl-C
 * reaches the whole process group), so a build's cancellation can still unmount.
 */
export const NAMES = ['mount', 'umount2', 'lgetxattr', 'llistxattr', 'lsetxattr', 'mknodat'] as const;

export const SCRIPT = String.raw`
use strict; binmode STDIN; binmode STDOUT; $| = 1; $/ = "\0";
$SIG{$_} = 'IGNORE' for qw(INT TERM HUP QUIT);
my ($MOUNT, $UMOUNT2, $GET, $LIST, $SET, $MKNODAT) = map { $_ + 0 } @ARGV;
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
  } elsif ($op eq 'g' || $op eq 'l') {
    my $n = f(); my @out;
    for my $i (0 .. $n - 1) {
      my $path = f(); my $name = $op eq 'g' ? f() : undef;
      my $buf = "\0" x 65536;
      my $r = $op eq 'g' ? syscall($GET, $path, $name, $buf, 65536) : syscall($LIST, $path, $buf, 65536);
      push @out, "$i:" . unpack("H*", substr($buf, 0, $r)) if $r > 0 || ($r == 0 && $op eq 'g');
    }
    print "$id 0 ", join(",", @out), "\n";
  } elsif ($op eq 's') {
    my $n = f(); my @bad;
    for my $i (0 .. $n - 1) {
      my ($path, $name, $hex) = (f(), f(), f());
      my $v = pack("H*", $hex);
      push @bad, "$i:" . ($! + 0) if syscall($SET, $path, $name, $v, length($v), 0) != 0;
    }
    print "$id 0 ", join(",", @bad), "\n";
  } elsif ($op eq 'n') {
    my $n = f(); my @bad;
    for my $i (0 .. $n - 1) {
      my ($path, $mode, $major, $minor) = (f(), f() + 0, f() + 0, f() + 0);
      # the kernel's dev encoding (new_encode_dev): 12-bit major, 20-bit minor
      my $dev = ($minor & 0xff) | (($major & 0xfff) << 8) | (($minor & ~0xff) << 12);
      push @bad, "$i:" . ($! + 0) if syscall($MKNODAT, -100, $path, $mode, $dev) != 0;
    }
    print "$id 0 ", join(",", @bad), "\n";
  } else { print "$id 22\n"; }
}`;
