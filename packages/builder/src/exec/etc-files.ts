/**
 * /etc/hosts, /etc/resolv.conf and /etc/hostname for a run: written once per distinct content
 * (hostname + network) and bind-mounted read-only, so one copy serves every run of an executor.
 * hosts: 127.0.0.1 localhost + the hostname; resolv.conf: the host's for host networking, empty
 * for `none` (nothing to resolve with).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

export const ETC_FILES = ['hosts', 'resolv.conf', 'hostname'] as const;

export class EtcFiles {
  private readonly dirs = new Map<string, string>();

  constructor(private readonly tmpDir: string, private readonly resolvConf?: string) {}

  /** Directory holding the three files for this hostname/network. */
  dirFor(hostname: string, network: 'none' | 'host'): string {
    const resolv = network === 'host' ? this.resolvConf ?? readFileOr('/etc/resolv.conf', '') : '';
    const files: Record<string, string> = {
      hosts: `127.0.0.1\tlocalhost ${hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`,
      'resolv.conf': resolv,
      hostname: `${hostname}\n`,
    };
    const key = createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 16);
    const known = this.dirs.get(key);
    if (known && existsSync(known)) return known;
    const dir = join(this.tmpDir, `tsbuild-etc-${process.pid}-${key}`);
    if (!existsSync(dir)) {
      const tmp = `${dir}.${Math.random().toString(36).slice(2)}`;
      mkdirSync(tmp, { mode: 0o755 });
      for (const [name, content] of Object.entries(files)) writeFileSync(join(tmp, name), content, { mode: 0o644 });
      try {
        renameSync(tmp, dir);
      } catch {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
    this.dirs.set(key, dir);
    return dir;
  }

  dispose(): void {
    for (const dir of this.dirs.values()) rmSync(dir, { recursive: true, force: true });
    this.dirs.clear();
  }
}

function readFileOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}
