/**
 * Batched extended-attribute reads. Node has no xattr API: the syscall addon answers them
 * in-process where it was built (exec/native-sys.ts, through sysHelper()); elsewhere one helper
 * process answers all queries of a diff at once: `perl` (Essential on Debian/Ubuntu) calling lgetxattr(2) through
 * `syscall`, one syscall per query, no process per path — or, when perl is missing,
 * `getfattr` from the attr package. Only the few attributes a layer needs are asked for
 * (`trusted.overlay.opaque` on directories that shadow a lower one, `security.capability` on
 * regular files), never a recursive dump of everything.
 */
import { spawn } from 'node:child_process';
import { hostTools } from '../exec/host-tools.js';
import { sysHelper } from '../exec/sys-helper.js';
import { sysAddon } from '../exec/native-sys.js';

export interface XattrQuery { path: string; name: string }

/** lgetxattr syscall numbers per Node arch (Linux). */
const LGETXATTR: Partial<Record<string, number>> = {
  x64: 192, arm64: 9, riscv64: 9, loong64: 9, ia32: 230, arm: 230, ppc64: 213, s390x: 228,
};

const PERL = String.raw`
my $nr = $ARGV[0] + 0; local $/ = "\0"; my $i = 0; binmode STDIN; binmode STDOUT;
while (defined(my $name = <STDIN>)) {
  chop $name; my $path = <STDIN>; last unless defined $path; chop $path;
  my $buf = "\0" x 65536; my $n = syscall($nr, $path, $name, $buf, 65536);
  print $i, ":", unpack("H*", substr($buf, 0, $n)), "\n" if $n >= 0;
  $i++;
}`;

/** Whether this machine can read xattrs at all (perl with a known syscall number, or getfattr). */
export function xattrsSupported(): boolean {
  if (sysAddon()) return true;
  const t = hostTools();
  return Boolean((t.perl && LGETXATTR[process.arch] !== undefined) || t.getfattr);
}

/**
 * Values of the queried attributes, keyed by query index; absent attributes are missing from the map.
 * Symlinks are not followed. Resolves to an empty map when the machine has no way to read xattrs.
 */
export async function readXattrs(queries: XattrQuery[]): Promise<Map<number, Buffer>> {
  const out = new Map<number, Buffer>();
  if (queries.length === 0) return out;
  // the build's long-lived syscall helper when it runs here (no process per query batch)
  const helper = sysHelper();
  if (helper) return helper.getxattrs(queries);
  const t = hostTools();
  const nr = LGETXATTR[process.arch];
  if (t.perl && nr !== undefined) {
    const input = Buffer.from(queries.map((q) => `${q.name}\0${q.path}\0`).join(''));
    const text = await runHelper(t.perl, ['-e', PERL, String(nr)], input);
    for (const line of text.split('\n')) {
      const c = line.indexOf(':');
      if (c > 0) out.set(Number(line.slice(0, c)), Buffer.from(line.slice(c + 1), 'hex'));
    }
    return out;
  }
  if (t.getfattr) {
    // getfattr per attribute name, all paths in one call each; output: "# file: P\nNAME=0xHEX\n"
    const byName = new Map<string, number[]>();
    queries.forEach((q, i) => byName.set(q.name, [...(byName.get(q.name) ?? []), i]));
    for (const [name, idxs] of byName) {
      const text = await runHelper(t.getfattr, ['-h', '--absolute-names', '-e', 'hex', '-n', name, '--', ...idxs.map((i) => queries[i]!.path)], Buffer.alloc(0), true);
      const byPath = new Map(idxs.map((i) => [queries[i]!.path, i]));
      let current: number | undefined;
      for (const line of text.split('\n')) {
        if (line.startsWith('# file: ')) current = byPath.get(line.slice(8));
        else if (current !== undefined && line.startsWith(`${name}=0x`)) out.set(current, Buffer.from(line.slice(name.length + 3), 'hex'));
      }
    }
  }
  return out;
}

function runHelper(bin: string, args: string[], input: Buffer, ignoreExit = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'], env: {} });
    const chunks: Buffer[] = [];
    const errs: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => errs.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 || ignoreExit) resolve(Buffer.concat(chunks).toString('latin1'));
      else reject(new Error(`${bin} failed (${code}): ${Buffer.concat(errs).toString()}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
