/**
 * The perl fallback server (script.ts) as SysCalls: one long-lived process per Node process,
 * started on first use, answering requests in order over its stdin/stdout. A cold build mounts,
 * unmounts and reads xattrs a few times per step: a process per call would cost a fork of the
 * whole Node process on the main thread each time.
 *
 * The process never keeps Node alive: its pipes are unref'd while nothing is pending.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { hasNul, nulError, SyscallError } from '../errors.js';
import { splitNames } from '../native.js';
import type { NodeSpec, SysCalls, SysPath, XattrQuery, XattrWrite } from '../types.js';
import { SCRIPT } from './script.js';

interface Pending { resolve(v: { errno: number; payload: string }): void; reject(e: Error): void }

export type Field = string | Buffer;

const show = (p: SysPath) => (typeof p === 'string' ? p : p.toString('latin1'));
const NUL = Buffer.from([0]);

export class PerlSysServer implements SysCalls {
  readonly backend = 'perl';
  private child?: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private buffered = '';

  /** `numbers`: the syscall numbers of script.ts's NAMES, in order */
  constructor(private readonly perl: string, private readonly numbers: readonly number[]) {}

  async mount(source: string, target: string, fstype: string, flags: number, data: string, cwd = ''): Promise<void> {
    const { errno } = await this.request(['m', cwd, source, target, fstype, String(flags), data]);
    if (errno !== 0) throw new SyscallError('mount', errno, `${fstype} on ${target}`);
  }

  async umount(target: string, flags = 0): Promise<void> {
    const { errno } = await this.request(['u', target, String(flags)]);
    if (errno !== 0) throw new SyscallError('umount2', errno, target);
  }

  async getxattrs(queries: readonly XattrQuery[]): Promise<Map<number, Buffer>> {
    const out = new Map<number, Buffer>();
    // a query with a NUL cannot name anything: answered absent, as the addon does
    const ok = queries.map((q, i) => [q, i] as const).filter(([q]) => !hasNul(q.path) && !hasNul(q.name));
    if (ok.length === 0) return out;
    const fields: Field[] = ['g', String(ok.length)];
    for (const [q] of ok) fields.push(q.path, q.name);
    for (const [i, hex] of items((await this.request(fields)).payload)) out.set(ok[i]![1], Buffer.from(hex, 'hex'));
    return out;
  }

  async listxattrs(paths: readonly SysPath[]): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    const ok = paths.map((p, i) => [p, i] as const).filter(([p]) => !hasNul(p));
    if (ok.length === 0) return out;
    const { payload } = await this.request(['l', String(ok.length), ...ok.map(([p]) => p)]);
    for (const [i, hex] of items(payload)) out.set(ok[i]![1], splitNames(Buffer.from(hex, 'hex')));
    return out;
  }

  async setxattrs(list: readonly XattrWrite[]): Promise<void> {
    if (list.length === 0) return;
    if (list.some((x) => hasNul(x.path) || hasNul(x.name))) throw nulError('lsetxattr');
    const fields: Field[] = ['s', String(list.length)];
    for (const x of list) fields.push(x.path, x.name, x.value.toString('hex'));
    const [bad] = items((await this.request(fields)).payload);
    if (bad) throw new SyscallError('lsetxattr', Number(bad[1]), `${show(list[bad[0]]!.path)} ${list[bad[0]]!.name}`);
  }

  async mknod(nodes: readonly NodeSpec[]): Promise<void> {
    if (nodes.length === 0) return;
    if (nodes.some((n) => hasNul(n.path))) throw nulError('mknod');
    const fields: Field[] = ['n', String(nodes.length)];
    for (const n of nodes) fields.push(n.path, String(n.mode), String(n.major), String(n.minor));
    const [bad] = items((await this.request(fields)).payload);
    if (bad) throw new SyscallError('mknod', Number(bad[1]), show(nodes[bad[0]]!.path));
  }

  /** Start the process now (its first request is moments away: perl's start-up then overlaps other work). */
  warm(): void {
    this.start();
  }

  private request(fields: Field[]): Promise<{ errno: number; payload: string }> {
    if (fields.some(hasNul)) return Promise.reject(nulError(String(fields[0])));
    const child = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.hold(true);
      this.pending.set(id, { resolve, reject });
      child.stdin.write(encodeRequest(id, fields));
    });
  }

  private start(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn(this.perl, ['-e', SCRIPT, ...this.numbers.map(String)], { stdio: ['pipe', 'pipe', 'pipe'], env: {} });
    this.child = child;
    let stderr = '';
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => this.onData(chunk));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.on('error', () => undefined);
    const gone = (why: string) => {
      if (this.child !== child) return;
      this.child = undefined;
      const err = new Error(`the syscall server (${this.perl}) exited: ${why}${stderr ? `: ${stderr.trim()}` : ''}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    child.on('error', (e) => gone(e.message));
    child.on('close', (code, sig) => gone(`${code ?? sig}`));
    child.unref();
    this.hold(false);
    return child;
  }

  /** keep the event loop alive only while answers are awaited */
  private hold(on: boolean): void {
    const c = this.child;
    if (!c) return;
    for (const s of [c.stdin, c.stdout, c.stderr] as unknown as { ref?(): void; unref?(): void }[]) {
      if (on) s.ref?.();
      else s.unref?.();
    }
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let nl: number;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      const [id, errno, payload] = line.split(' ');
      const p = this.pending.get(Number(id));
      if (!p) continue;
      this.pending.delete(Number(id));
      if (this.pending.size === 0) this.hold(false);
      p.resolve({ errno: Number(errno), payload: payload ?? '' });
    }
  }
}

/** one request on the wire: NUL-terminated fields */
export function encodeRequest(id: number, fields: readonly Field[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of [String(id), ...fields]) parts.push(typeof f === 'string' ? Buffer.from(f) : f, NUL);
  return Buffer.concat(parts);
}

/** a payload's `i:value` items */
export function items(payload: string): [number, string][] {
  if (!payload) return [];
  return payload.split(',').map((item) => {
    const c = item.indexOf(':');
    return [Number(item.slice(0, c)), item.slice(c + 1)];
  });
}
