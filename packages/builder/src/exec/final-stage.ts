/**
 * The last hop before the step's command, as one `perl` process (perl-base is Essential on
 * Debian/Ubuntu; the script uses no modules, only syscall(2)):
 *
 *   lo up in a new network namespace (ioctl, as `ip link set lo up`)
 *   pivot_root(".", ".") + umount2(".", MNT_DETACH)   the rootfs becomes "/", the host's root is
 *                                                      detached: no chroot escape can reach it
 *   prctl(PR_CAPBSET_DROP) for every capability outside Docker's default set
 *   setgroups / setresgid / setresuid, chdir(cwd), environment = exactly the step's
 *   exec (execvp: PATH lookup with the step's PATH inside the rootfs; 127/126 when that fails)
 *
 * Setup errors go to fd 3 (with "\nOK" written there right before the exec), never to the step's
 * output. Without perl (or for an unknown arch) the executor can use setpriv + `unshare --root`
 * instead: a chroot, which a root step holding CAP_SYS_CHROOT (Docker's default set) can leave —
 * so detectExecutor only falls back to it when no OCI runtime is installed.
 */

/** syscall numbers per Node arch: pivot_root, umount2, prctl, setgroups, setresgid, setresuid */
const NR: Partial<Record<string, [number, number, number, number, number, number]>> = {
  x64: [155, 166, 157, 116, 119, 117],
  arm64: [41, 39, 167, 159, 149, 147],
  riscv64: [41, 39, 167, 159, 149, 147],
  loong64: [41, 39, 167, 159, 149, 147],
};

/** Capability numbers of Docker's default set (linux/capability.h). */
export const DEFAULT_CAP_NUMBERS: Record<string, number> = {
  chown: 0, dac_override: 1, fowner: 3, fsetid: 4, kill: 5, setgid: 6, setuid: 7, setpcap: 8,
  net_bind_service: 10, net_raw: 13, sys_chroot: 18, mknod: 27, audit_write: 29, setfcap: 31,
};

/** `ip link set lo up` without a process: SIOCGIFFLAGS / SIOCSIFFLAGS |= IFF_UP on an AF_INET socket */
const LOOPBACK_UP = String.raw`
socket(my $sock, 2, 2, 0) or fail("socket");
my $ifr = pack("Z16 s x22", "lo", 0);
ioctl($sock, 0x8913, $ifr) or fail("SIOCGIFFLAGS lo");
my $flags = unpack("x16 s", $ifr) | 1;
$ifr = pack("Z16 s x22", "lo", $flags);
ioctl($sock, 0x8914, $ifr) or fail("SIOCSIFFLAGS lo");
close($sock);`;

export function perlFinalStageSupported(arch: string = process.arch): boolean {
  return NR[arch] !== undefined;
}

/** mount(2) per Node arch, for the setup operations */
const NR_MOUNT: Partial<Record<string, number>> = { x64: 165, arm64: 40, riscv64: 40, loong64: 40 };

/**
 * The run's setup operations (perl-setup.ts), carried out before the final stage proper: umask,
 * mounts, the /dev skeleton, /etc files, hostname, then cd into the rootfs.
 * argv: root n-fields fields...
 */
function setupPrologue(mountNr: number, umountNr: number): string {
  return String.raw`
umask(022);
my $root = shift @ARGV; my $nset = shift @ARGV; my @set = splice(@ARGV, 0, $nset);
while (@set) {
  my $op = shift @set;
  if ($op eq 'M') {
    my ($src, $tgt, $type, $flags, $data) = splice(@set, 0, 5);
    syscall(${mountNr}, $src, $tgt, length($type) ? $type : 0, 0 + $flags, length($data) ? $data : 0) == 0 or fail("mount $src on $tgt");
  } elsif ($op eq 'D') {
    my ($p, $mode) = splice(@set, 0, 2);
    mkdir($p) or fail("mkdir $p"); chmod(oct($mode), $p) or fail("chmod $p");
  } elsif ($op eq 'F') {
    my ($p, $mode, $content) = splice(@set, 0, 3);
    open(my $fh, ">", $p) or fail("create $p"); print $fh $content; close($fh) or fail("write $p");
    chmod(oct($mode), $p) or fail("chmod $p");
  } elsif ($op eq 'L') {
    my ($target, $p) = splice(@set, 0, 2);
    symlink($target, $p) or fail("symlink $p");
  } elsif ($op eq 'U') {
    my $p = shift @set; unlink($p) or fail("unlink $p");
  } elsif ($op eq 'X') {
    my $p = shift @set; syscall(${umountNr}, $p, 2) == 0 or fail("umount $p");
  } elsif ($op eq 'R') {
    my $p = shift @set; rmdir($p) or fail("rmdir $p");
  } elsif ($op eq 'H') {
    my $name = shift @set;
    open(my $h, ">", "/proc/sys/kernel/hostname") or fail("hostname"); print $h "$name\n"; close($h) or fail("hostname");
  } else { fail("unknown setup operation $op"); }
}
chdir($root) or fail("chdir $root");`;
}

/**
 * The perl program; argv: cwd uid gid groups-csv n-env env... args... — with `setup`, preceded by
 * root n-fields setup-fields... (see setupPrologue), and then started by `unshare` directly.
 */
export function perlFinalStage(caps: number[], opts: { loopbackUp?: boolean; setup?: boolean } = {}, arch: string = process.arch): string {
  const nr = NR[arch];
  if (!nr) throw new Error(`no syscall table for ${arch}`);
  const [pivot, umount2, prctl, setgroups, setresgid, setresuid] = nr;
  return String.raw`
open(my $S, ">&=", 3) or exit 120;
$SIG{__DIE__} = sub { print $S "perl: $_[0]"; exit 121; };
sub fail { print $S "$_[0]: $!\n"; exit 121; }
${opts.setup ? setupPrologue(NR_MOUNT[arch]!, umount2) : ''}
my ($cwd, $uid, $gid, $groups, $nenv, @rest) = @ARGV;
${opts.loopbackUp ? LOOPBACK_UP : ''}
my $dot = ".";
syscall(${pivot}, $dot, $dot) == 0 or fail("pivot_root");
syscall(${umount2}, $dot, 2) == 0 or fail("umount old root");
chdir("/") or fail("chdir /");
my %keep = map { $_ => 1 } (${caps.join(', ')});
for my $c (0 .. 63) {
  next if $keep{$c};
  if (syscall(${prctl}, 24, 0 + $c, 0, 0, 0) != 0) { last if $!{EINVAL}; fail("capbset drop $c"); }
}
my @g = grep { length } split(/,/, $groups);
my $list = pack("L*", @g);
syscall(${setgroups}, 0 + scalar(@g), @g ? $list : 0) == 0 or fail("setgroups");
syscall(${setresgid}, 0 + $gid, 0 + $gid, 0 + $gid) == 0 or fail("setresgid");
syscall(${setresuid}, 0 + $uid, 0 + $uid, 0 + $uid) == 0 or fail("setresuid");
chdir($cwd) or fail("chdir $cwd");
umask(022);
my @env = splice(@rest, 0, $nenv);
%ENV = ();
for (@env) { my $i = index($_, "="); $ENV{substr($_, 0, $i)} = substr($_, $i + 1) if $i > 0; }
# stdin: an empty pipe (its write end closed), as BuildKit gives a step, not /dev/null:
# \`[ -p /dev/stdin ]\` holds and a read gets EOF
pipe(my $in_r, my $in_w) or fail("pipe"); close($in_w);
open(STDIN, "<&", $in_r) or fail("stdin"); close($in_r);
print $S "\nOK"; close($S);
# close_range(3, ~0): fds tsbuild's own caller left open without close-on-exec (a CI runner's pipes,
# a jobserver, an agent socket) must not reach the step; runc passes only stdio (Linux >= 5.9)
syscall(436, 3, ~0, 0);
exec { $rest[0] } @rest;
my $e = $!; my $code = $!{ENOENT} ? 127 : 126;
print STDERR "exec $rest[0]: $e\n"; exit $code;
`;
}
