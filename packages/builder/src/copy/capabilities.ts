/**
 * `security.capability` xattrs for COPY --from: Node has no getxattr/setxattr, so the file
 * capabilities of a copied tree are read with one `getcap -r` (libcap2-bin) and re-applied with
 * `setcap` after owners and modes are set (a chown clears them). Without the tools this is a no-op
 * reported once through `onWarning`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** host path → capability text (e.g. "cap_net_raw=ep") for every file below `path` that has one */
export async function readCapabilities(path: string): Promise<Map<string, string> | undefined> {
  let out: string;
  try {
    ({ stdout: out } = await run('getcap', ['-r', path], { maxBuffer: 64 << 20 }));
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string };
    if (e.code === 'ENOENT') return undefined;
    out = e.stdout ?? '';
  }
  const caps = new Map<string, string>();
  for (const line of out.split('\n')) {
    // "<path> <caps>" (libcap >= 2.4x); older versions print "<path> = <caps>"
    const m = /^(.*?) (?:= )?(cap_[^\s]*|[=+].*)$/.exec(line.trim());
    if (m) caps.set(m[1]!, m[2]!);
  }
  return caps;
}

export async function writeCapability(target: string, caps: string): Promise<void> {
  await run('setcap', [caps, target]);
}
