/**
 * Resolve a path as seen from inside `root`: symlinks are followed with `root` as `/`, so an
 * absolute link (e.g. /etc/resolv.conf -> /run/systemd/...) can never reach the host's files.
 * The result is a host path under `root`; trailing components that don't exist are kept as given.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { BuildError } from '../errors.js';

const MAX_LINKS = 255;

export function resolveInRoot(root: string, path: string): string {
  const pending = posix.normalize(`/${path}`).split('/').filter(Boolean);
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = `${root}/${[...done, part].join('/')}`;
    let isLink = false;
    try {
      isLink = lstatSync(host).isSymbolicLink();
    } catch {
      // missing: keep the rest as given (lexically cleaned)
      done.push(part, ...pending.filter((p) => p !== '.'));
      return `${root}/${posix.normalize(done.join('/'))}`.replace(/\/+$/, '').replace(/\/\.$/, '');
    }
    if (!isLink) {
      done.push(part);
      continue;
    }
    if (++links > MAX_LINKS) throw new BuildError('E_MOUNT', `too many levels of symbolic links resolving ${path} in the rootfs`);
    const target = readlinkSync(host);
    if (target.startsWith('/')) done.length = 0;
    pending.unshift(...target.split('/').filter(Boolean));
  }
  return done.length ? `${root}/${done.join('/')}` : root;
}
