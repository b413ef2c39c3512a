/**
 * `security.capability` xattrs of copied files (BuildKit keeps them for COPY from the context and
 * from other stages). Node has no getxattr/setxattr: the syscall addon (exec/native-sys.ts) calls
 * them in-process where it was built; elsewhere both directions are batched into one helper process
 * per copy: reads through diff/xattrs.ts (perl lgetxattr, or getfattr), writes through perl calling
 * lsetxattr(2). Either way the raw bytes round-trip exactly (v2 and v3/rootid capabilities alike).
 * Capabilities are written after owners and modes are set (a chown clears them).
 */
import { spawn } from 'node:child_process';
import { hostTools } from '../exec/host-tools.js';
import { readXattrs, xattrsSupported } from '../diff/xattrs.js';
import { sysAddon } from '../exec/native-sys.js';
import { SyscallError } from '../exec/sys-helper.js';

export const CAPABILITY_XATTR = 'security.capability';

/** lsetxattr syscall numbers per Node arch (Linux). */
const LSETXATTR: Partial<Record<string, number>> = {
  x64: 189, arm64: 6, riscv64: 6, loong64: 6, ia32: 227, arm: 227, ppc64: 210, s390x: 224,
};

const PERL = String.raw`
my $nr = $ARGV[0] + 0; local $/ = "\0"; binmode STDIN; my $bad = 0; my $name = "security.capability";
while (defined(my $path = <STDIN>)) {
  chop $path; my $hex = <STDIN>; last unless defined $hex; chop $hex;
  my $v = pack("H*", $hex);
  if (syscall($nr, $path, $name, $v, length($v), 0) != 0) { print STDERR "$path: $!\n"; $bad = 1; }
}
exit $bad;`;

/** Whether capabilities can be read and written on this machine. */
export function capabilitiesSupported(): boolean {
  return xattrsSupported() && (sysAddon() !== undefined || (hostTools().perl !== undefined && LSETXATTR[process.arch] !== undefined));
}

/** Raw `security.capability` value of each path that has one (symlinks not followed), keyed by index. */
export async function readCapabilities(paths: string[]): Promise<Map<number, Buffer>> {
  if (paths.length === 0) return new Map();
  return readXattrs(paths.map((path) => ({ path, name: CAPABILITY_XATTR })));
}

/** Set `security.capability` on each target (raw bytes as read by readCapabilities), in one helper process. */
export async function writeCapabilities(items: { path: string; value: Buffer }[]): Promise<void> {
  if (items.length === 0) return;
  const addon = sysAddon();
  if (addon) {
    // in-process lsetxattr(2): no helper process
    const bad: string[] = [];
    for (const i of items) {
      const errno = addon.lsetxattr(i.path, CAPABILITY_XATTR, i.value);
      if (errno !== 0) bad.push(new SyscallError('lsetxattr', errno, i.path).message);
    }
    if (bad.length) throw new Error(`setting security.capability failed: ${bad.join('\n')}`);
    return;
  }
  const perl = hostTools().perl;
  const nr = LSETXATTR[process.arch];
  if (!perl || nr === undefined) throw new Error('cannot set security.capability: perl with lsetxattr is not available');
  const input = Buffer.from(items.map((i) => `${i.path}\0${i.value.toString('hex')}\0`).join(''));
  await new Promise<void>((resolve, reject) => {
    const child = spawn(perl, ['-e', PERL, String(nr)], { stdio: ['pipe', 'ignore', 'pipe'], env: {} });
    const errs: Buffer[] = [];
    child.stderr.on('data', (c: Buffer) => errs.push(c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`setting security.capability failed: ${Buffer.concat(errs).toString().trim()}`))));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
