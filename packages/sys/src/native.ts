/**
 * The addon's calls behind SysCalls: synchronous syscalls (each well under a millisecond),
 * answered as promises. Long batches yield to the event loop now and then, so other stages' work
 * gets the thread between them.
 */
import { constants } from 'node:os';
import { hasNul, nulError, SyscallError } from './errors.js';
import type { NodeSpec, SysAddon, SysCalls, SysPath, XattrQuery, XattrWrite } from './types.js';

const BATCH = 2048;

const show = (p: SysPath) => (typeof p === 'string' ? p : p.toString('latin1'));

function yieldEvery(i: number): Promise<void> | undefined {
  return i > 0 && i % BATCH === 0 ? new Promise((r) => setImmediate(r)) : undefined;
}

export class NativeSysCalls implements SysCalls {
  readonly backend = 'addon';
  constructor(private readonly addon: SysAddon) {}

  async mount(source: string, target: string, fstype: string, flags: number, data: string, cwd = ''): Promise<void> {
    if ([source, target, fstype, data, cwd].some(hasNul)) throw nulError('mount');
    const errno = this.addon.mount(source, target, fstype, flags, data, cwd);
    if (errno !== 0) throw new SyscallError('mount', errno, `${fstype} on ${target}`);
  }

  async umount(target: string, flags = 0): Promise<void> {
    if (hasNul(target)) throw nulError('umount2');
    const errno = this.addon.umount2(target, flags);
    if (errno !== 0) throw new SyscallError('umount2', errno, target);
  }

  async getxattrs(queries: readonly XattrQuery[]): Promise<Map<number, Buffer>> {
    const out = new Map<number, Buffer>();
    for (let i = 0; i < queries.length; i++) {
      await yieldEvery(i);
      const q = queries[i]!;
      if (hasNul(q.path) || hasNul(q.name)) continue;
      const v = this.addon.lgetxattr(q.path, q.name);
      if (typeof v !== 'number') out.set(i, v);
    }
    return out;
  }

  async listxattrs(paths: readonly SysPath[]): Promise<Map<number, string[]>> {
    const list = this.addon.llistxattr;
    if (!list) throw new SyscallError('llistxattr', constants.errno.ENOSYS, '(the addon predates it: rebuild)');
    const out = new Map<number, string[]>();
    for (let i = 0; i < paths.length; i++) {
      await yieldEvery(i);
      const p = paths[i]!;
      if (hasNul(p)) continue;
      const v = list(p);
      if (typeof v !== 'number' && v.length > 0) out.set(i, splitNames(v));
    }
    return out;
  }

  async setxattrs(items: readonly XattrWrite[]): Promise<void> {
    if (items.some((x) => hasNul(x.path) || hasNul(x.name))) throw nulError('lsetxattr');
    let first: Error | undefined;
    for (let i = 0; i < items.length; i++) {
      await yieldEvery(i);
      const x = items[i]!;
      const errno = this.addon.lsetxattr(x.path, x.name, x.value);
      if (errno !== 0) first ??= new SyscallError('lsetxattr', errno, `${show(x.path)} ${x.name}`);
    }
    if (first) throw first;
  }

  async mknod(nodes: readonly NodeSpec[]): Promise<void> {
    const mknod = this.addon.mknod;
    if (!mknod) throw new SyscallError('mknod', constants.errno.ENOSYS, '(the addon predates it: rebuild)');
    if (nodes.some((n) => hasNul(n.path))) throw nulError('mknod');
    let first: Error | undefined;
    for (let i = 0; i < nodes.length; i++) {
      await yieldEvery(i);
      const n = nodes[i]!;
      const errno = mknod(n.path, n.mode, n.major, n.minor);
      if (errno !== 0) first ??= new SyscallError('mknod', errno, show(n.path));
    }
    if (first) throw first;
  }

  warm(): void {
    /* nothing to start */
  }
}

/** llistxattr's answer: NUL-terminated names (attribute names are text: the kernel's own prefixes) */
export function splitNames(b: Buffer): string[] {
  return b.toString('latin1').split('\0').filter(Boolean).map((n) => Buffer.from(n, 'latin1').toString('utf8'));
}
