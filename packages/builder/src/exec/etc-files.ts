/**
 * /etc/hosts and /etc/resolv.conf for a run: written into the run's scratch dir and bind-mounted
 * read-only — the two files BuildKit binds (executor/oci/spec_linux.go `generateMountOpts`).
 * As BuildKit: hosts = "127.0.0.1 localhost <hostname>" + the ::1 line; resolv.conf = the host's
 * (for `none` too) without loopback nameservers, Docker's public defaults when none are left.
 * No /etc/hostname: BuildKit sets only the UTS hostname, so a step sees the image's /etc/hostname
 * or none (both docker 20.10's BuildKit v0.8 and current BuildKit; fixture run-etc-hostname).
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ETC_FILES = ['hosts', 'resolv.conf'] as const;

export class EtcFiles {
  constructor(private readonly resolvConf?: string) {}

  /**
   * Write the files into `dir` (the run's own scratch dir, removed with it: nothing outlives
   * the run) and return `dir`. The network mode doesn't change them, as in BuildKit.
   */
  writeTo(dir: string, hostname: string, _network?: 'default' | 'none' | 'host', extraHosts?: { host: string; ip: string }[]): string {
    const files = this.contents(hostname, extraHosts);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    chmodSync(dir, 0o755);
    for (const [name, content] of Object.entries(files)) {
      writeFileSync(join(dir, name), content);
      chmodSync(join(dir, name), 0o644); // whatever the caller's umask
    }
    return dir;
  }

  /** The files' contents, by name (ETC_FILES order). */
  contents(hostname: string, extraHosts: { host: string; ip: string }[] = []): Record<(typeof ETC_FILES)[number], string> {
    return {
      // --add-host entries after the defaults, `IP<tab>HOST` as BuildKit writes them
      hosts: `127.0.0.1\tlocalhost ${hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n${extraHosts.map((h) => `${h.ip}\t${h.host}\n`).join('')}`,
      'resolv.conf': filterResolvConf(this.resolvConf ?? readFileOr('/etc/resolv.conf', '')),
    };
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
