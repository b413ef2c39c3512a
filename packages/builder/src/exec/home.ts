/**
 * The environment a step's process gets, as runc builds it (libcontainer/env.go `prepareEnv`; runc
 * 1.1's init did the same with os.Setenv) — the unshare executor does it itself, runc does it for the
 * runc executor: a variable without a name (`ENV $EMPTY=x`) or with a NUL is refused, a name given
 * twice keeps its last value, an empty HOME counts as unset, and an unset HOME becomes the user's home
 * from the rootfs's /etc/passwd ("/" when the uid has no entry).
 */
import { BuildError } from '../errors.js';
import { readUserFile } from '../users/read.js';

export function withHome(env: string[], rootfs: string, uid: number): string[] {
  const out: string[] = [];
  const saw = new Set<string>();
  let homeSet = false;
  for (let n = env.length - 1; n >= 0; n--) {
    const kv = env[n]!;
    const i = kv.indexOf('=');
    if (i === -1) throw envError("invalid environment variable: missing '='");
    if (i === 0) throw envError(`invalid environment variable: name cannot be empty: ${JSON.stringify(kv)}`);
    const key = kv.slice(0, i);
    if (saw.has(key)) continue;
    saw.add(key);
    if (kv.includes('\0')) throw envError(`invalid environment variable ${JSON.stringify(key)}: contains nul byte (\\x00)`);
    if (key === 'HOME') {
      if (kv.length === i + 1) continue; // empty: replaced by the user's home below
      homeSet = true;
    }
    out.push(kv);
  }
  out.reverse();
  if (!homeSet) out.push(`HOME=${homeOf(rootfs, uid)}`);
  return out;
}

function envError(message: string): BuildError {
  return new BuildError('E_EXEC_FAILED', message);
}

function homeOf(rootfs: string, uid: number): string {
  let passwd: string | undefined;
  try {
    passwd = readUserFile(rootfs, '/etc/passwd');
  } catch {
    return '/';
  }
  if (passwd === undefined) return '/';
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length >= 7 && Number(f[2]) === uid && f[2] !== '') return f[5] || '/';
  }
  return '/';
}
