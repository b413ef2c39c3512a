/**
 * The last hop before the step's command, as one `perl` process (perl-base is Essential on
 * Debian/Ubuntu; the script uses no modules, only syscall(2)):
 *
 *   [sandbox] setns into the default network's pooled namespace; join the step's cgroups
 *   the setup operations (mounts, /dev, /etc files, hostname), lo up (ioctl, as `ip link set lo up`)
 *   pivot_root(".", ".") + umount2(".", MNT_DETACH)   the rootfs becomes "/", the host's root is
 *                                                      detached: no chroot escape can reach it
 *   [sandbox] new session keyring, RLIMIT_NOFILE, seccomp filter (no NoNewPrivs: root still holds
 *             CAP_SYS_ADMIN here), inheritable and ambient capability sets cleared
 *   prctl(PR_CAPBSET_DROP) for every capability outside Docker's default set
 *   setgroups / setresgid / setresuid, chdir(cwd), environment = exactly the step's
 *   exec (execvp: PATH lookup with the step's PATH inside the rootfs; 127/126 when that fails)
 *
 * Setup errors go to fd 3 (with "\nOK" written there right before the exec), never to the step's
 * output. Without perl (or for an unknown arch) the executor can use setpriv + `unshare --root`
 * instead: a chroot, which a root step holding CAP_SYS_CHROOT (Docker's default set) can leave —
 * so detectExecutor only falls back to it when no OCI runtime is installed.
 */
import { syscallNumbers } from '@tsbuild/sys';

/** syscall numbers (from @tsbuild/sys's one table, per Node arch): the final stage proper */
const nr = (arch: string) => syscallNumbers(['pivot_root', 'umount2', 'prctl', 'setgroups', 'setresgid', 'setresuid', 'close_range'], arch);

/** the sandbox blocks' syscalls */
const nrSandbox = (arch: string) => syscallNumbers(['setns', 'keyctl', 'prlimit64', 'capget', 'capset'], arch);

/**
 * The setup operations' syscalls. sethostname(2), not a write to /proc/sys/kernel/hostname — in a
 * user namespace (rootless builds) /proc/sys stays owned by the host's root and that write is
 * EACCES, while the syscall acts on the step's own UTS namespace.
 */
const nrSetup = (arch: string) => syscallNumbers(['mount', 'umount2', 'sethostname'], arch);

/**
 * What the final stage does beyond namespaces, mounts and the bounding set (exec/sandbox.ts
 * decides the values per run). Values are embedded in the script as perl literals.
 */
export interface FinalStageSandbox {
  /** join this network namespace (a pooled one, exec/netns-pool.ts) before any mount */
  netns?: string;
  /** cgroup directories to join before any mount (device allow-list, pids limit) */
  cgroups?: string[];
  /** sock_filter bytes (exec/seccomp/bpf.ts), installed while root still holds CAP_SYS_ADMIN: no NoNewPrivs */
  seccomp?: Buffer;
  /** RLIMIT_NOFILE soft:hard */
  nofile?: [number, number];
}

/** perl single-quoted string literal */
function pl(s: string): string {
  return `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

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

/** x64, arm64, riscv64, loong64: the 64-bit arches with a table (the seccomp block packs a 64-bit sock_fprog) */
export function perlFinalStageSupported(arch: string = process.arch): boolean {
  return arch !== 'ia32' && nr(arch) !== undefined && nrSandbox(arch) !== undefined && nrSetup(arch) !== undefined;
}

/**
 * The run's setup operations (perl-setup.ts), carried out before the final stage proper: umask,
 * mounts, the /dev skeleton, /etc files, hostname, then cd into the rootfs.
 * argv: root n-fields fields...
 */
function setupPrologue(mountNr: number, umountNr: number, sethostnameNr: number): string {
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
    syscall(${sethostnameNr}, $name, length($name)) == 0 or fail("sethostname");
  } else { fail("unknown setup operation $op"); }
}
chdir($root) or fail("chdir $root");`;
}

/**
 * The perl program; argv: cwd uid gid groups-csv n-env env... args... — with `setup`, preceded by
 * root n-fields setup-fields... (see setupPrologue), and then started by `unshare` directly.
 */
export function perlFinalStage(caps: number[], opts: {
  loopbackUp?: boolean;
  setup?: boolean;
  sandbox?: FinalStageSandbox;
  /** /proc/self/setgroups says deny (a user namespace mapped without newgidmap): keep the groups as they are */
  setgroupsDenied?: boolean;
} = {}, arch: string = process.arch): string {
  const main = nr(arch);
  const sandbox = nrSandbox(arch);
  const setup = nrSetup(arch);
  if (!main || !sandbox || !setup) throw new Error(`no syscall table for ${arch}`);
  const [pivot, umount2, prctl, setgroups, setresgid, setresuid, closeRange] = main;
  const sb = opts.sandbox ?? {};
  return String.raw`
open(my $S, ">&=", 3) or exit 120;
$SIG{__DIE__} = sub { print $S "perl: $_[0]"; exit 121; };
sub fail { print $S "$_[0]: $!\n"; exit 121; }
${sandboxJoin(sb, sandbox)}
${opts.setup ? setupPrologue(...setup) : ''}
my ($cwd, $uid, $gid, $groups, $nenv, @rest) = @ARGV;
${opts.loopbackUp ? LOOPBACK_UP : ''}
my $dot = ".";
syscall(${pivot}, $dot, $dot) == 0 or fail("pivot_root");
syscall(${umount2}, $dot, 2) == 0 or fail("umount old root");
chdir("/") or fail("chdir /");
${sandboxRestrict(sb, sandbox, prctl)}
my %keep = map { $_ => 1 } (${caps.join(', ')});
for my $c (0 .. 63) {
  next if $keep{$c};
  if (syscall(${prctl}, 24, 0 + $c, 0, 0, 0) != 0) { last if $!{EINVAL}; fail("capbset drop $c"); }
}
my @g = grep { length } split(/,/, $groups);
my $list = pack("L*", @g);
${opts.setgroupsDenied ? '' : `syscall(${setgroups}, 0 + scalar(@g), @g ? $list : 0) == 0 or fail("setgroups");`}
syscall(${setresgid}, 0 + $gid, 0 + $gid, 0 + $gid) == 0 or fail("setresgid $gid");
syscall(${setresuid}, 0 + $uid, 0 + $uid, 0 + $uid) == 0 or fail("setresuid $uid");
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
syscall(${closeRange}, 3, ~0, 0);
# a bare command name is looked up as runc does before its exec (Go exec.LookPath, libcontainer
# standard_init_linux.go): an empty PATH entry means ".", and a hit through a relative entry is refused
# (exec.ErrDot, Go 1.19+), so \`ENV PATH=.\` + \`RUN ["echo"]\` fails as in BuildKit
my $prog = $rest[0];
if (index($prog, "/") < 0) {
  for my $dir (split(/:/, $ENV{PATH} // "", -1)) {
    my $p = ($dir eq "" ? "." : $dir) . "/" . $prog;
    next unless -e $p && !-d _ && ((stat _)[2] & 0111);
    if (substr($p, 0, 1) ne "/") { print STDERR "exec: \"$prog\": cannot run executable found relative to current directory\n"; exit 127; }
    $prog = $p; last;
  }
}
exec { $prog } @rest;
my $e = $!; my $code = $!{ENOENT} ? 127 : 126;
print STDERR "exec $rest[0]: $e\n"; exit $code;
`;
}

// ---- sandbox blocks (issue 16): kept apart from the rest of the final stage ----

/** Before any mount: the run's network namespace and cgroups (a step's children inherit both). */
function sandboxJoin(sb: FinalStageSandbox, [setns]: readonly number[]): string {
  const lines: string[] = [];
  if (sb.netns) {
    lines.push(`open(my $ns, "<", ${pl(sb.netns)}) or fail("network namespace");`,
      `syscall(${setns}, fileno($ns), 0x40000000) == 0 or fail("setns"); close($ns);`);
  }
  for (const cg of sb.cgroups ?? []) {
    // "0": the writing process itself (a pid would be read in this new pid namespace)
    lines.push(`{ open(my $c, ">", ${pl(`${cg}/cgroup.procs`)}) or fail("cgroup ${cg}"); print $c "0"; close($c) or fail("cgroup ${cg}"); }`);
  }
  return lines.join('\n');
}

/**
 * After pivot_root, before the bounding set and ids: a fresh session keyring (the host's must not
 * be reachable), RLIMIT_NOFILE, the seccomp filter — while root still holds CAP_SYS_ADMIN, so no
 * PR_SET_NO_NEW_PRIVS (as runc for a container without noNewPrivileges: /proc/self/status then
 * reads NoNewPrivs 0, Seccomp 2, as under `docker run`) — and empty inheritable and ambient sets,
 * so capabilities the caller of tsbuild held there do not come back at exec.
 */
function sandboxRestrict(sb: FinalStageSandbox, [, keyctl, prlimit, capget, capset]: readonly number[], prctl: number): string {
  const lines = [
    // KEYCTL_JOIN_SESSION_KEYRING with no name: a new anonymous keyring (ENOSYS: no keys in this kernel)
    `syscall(${keyctl}, 1, 0) >= 0 or $!{ENOSYS} or fail("join session keyring");`,
  ];
  if (sb.nofile) lines.push(`my $nofile = pack("QQ", ${sb.nofile[0]}, ${sb.nofile[1]});`, `syscall(${prlimit}, 0, 7, $nofile, 0) == 0 or fail("RLIMIT_NOFILE");`);
  if (sb.seccomp) {
    lines.push(`my $filter = pack("H*", "${sb.seccomp.toString('hex')}");`,
      // struct sock_fprog { unsigned short len; struct sock_filter *filter; } (64-bit layout)
      'my $fprog = pack("S x6 P", length($filter) / 8, $filter);',
      `syscall(${prctl}, 22, 2, $fprog, 0, 0) == 0 or fail("seccomp");`);
  }
  lines.push(
    // capget/capset v3: header {version, pid}, data [2] {effective, permitted, inheritable}
    'my $caphdr = pack("LL", 0x20080522, 0); my $capdata = "\\0" x 24;',
    `syscall(${capget}, $caphdr, $capdata) == 0 or fail("capget");`,
    'my @capd = unpack("L6", $capdata); $capd[2] = 0; $capd[5] = 0;',
    'my $capnew = pack("L6", @capd);',
    `syscall(${capset}, $caphdr, $capnew) == 0 or fail("clear inheritable capabilities");`,
    // PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL (EINVAL before Linux 4.3: no ambient set to clear)
    `syscall(${prctl}, 47, 4, 0, 0, 0) == 0 or $!{EINVAL} or fail("clear ambient capabilities");`,
  );
  return lines.join('\n');
}
