/**
 * /etc/hosts, /etc/resolv.conf and /etc/hostname for a run: written once per distinct content
 * (hostname + network) and bind-mounted read-only, so one copy serves every run of an executor.
 * As BuildKit: hosts = "127.0.0.1 localhost <hostname>" + the ::1 line; resolv.conf = the host's
 * (for `none` too) without loopback nameservers, Docker's public defaults when none are left.
 * (/etc/hostname is extra: BuildKit doesn't provide one; it never reaches the layer either way.)
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

export const ETC_FILES = ['hosts', 'resolv.conf', 'hostname'] as const;

export class EtcFiles {
  private readonly dirs = new Map<string, string>();

  constructor(private readonly tmpDir: string, private readonly resolvConf?: string) {}

  /** Directory holding the three files for this hostname (the network mode doesn't change them, as in BuildKit). */
  dirFor(hostname: string, _network?: 'none' | 'host'): string {
    const resolv = filterResolvConf(this.resolvConf ?? readFileOr('/etc/resolv.conf', ''));
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
      chmodSync(tmp, 0o755);
      for (const [name, content] of Object.entries(files)) {
        writeFileSync(join(tmp, name), content);
        chmodSync(join(tmp, name), 0o644); // whatever the caller's umask
      }
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

/** Drop loopback nameservers (unreachable from the step); default to Docker's when none remain. */
export function filterResolvConf(text: string): string {
  const lines = text.split('\n').filter((l) => !/^\s*nameserver\s+(127\.[0-9.]+|::1)\s*$/.test(l));
  let out = lines.join('\n').replace(/\n+$/, '');
  if (!lines.some((l) => /^\s*nameserver\s/.test(l))) out = `${out ? `${out}\n` : ''}nameserver 8.8.8.8\nnameserver 8.8.4.4`;
  return `${out}\n`;
}

function readFileOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}
