/**
 * The store lock: an O_EXCL-created file holding "pid starttime nonce". A holder that died
 * (no such pid, or the pid was reused: /proc start time differs) is stale and gets broken,
 * so a killed process never leaves the store locked. In-process callers queue on a promise.
 */
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { link, readFile, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { lockedError } from '../errors.js';
import { errno } from '../util/fs.js';
import { onAbort } from '../util/abort.js';

/** `signal` ends a wait for the lock (an AbortError; the caller's `cancellable` makes it E_CANCELLED): a held lock can keep a waiter for up to `timeoutMs`. */
export interface LockOptions { timeoutMs?: number; pollMs?: number; signal?: AbortSignal | undefined }

/** /proc/<pid>/stat field 22 (start time in clock ticks), or undefined when the process is gone. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

let selfStart: string | undefined;
/** This process's start time (read on first use, not at module scope: see builder/src/cli/snapshot.ts). */
export function selfStartTime(): string {
  return (selfStart ??= processStart(process.pid) ?? '0');
}

/** Is the process that wrote `owner` ("pid start nonce") still running? */
export function ownerAlive(owner: string): boolean {
  const [pid, start] = owner.trim().split(' ');
  const n = Number(pid);
  if (!Number.isInteger(n) || n <= 0) return false;
  const now = processStart(n);
  return now !== undefined && now === start;
}

export class FileLock {
  private queue: Promise<void> = Promise.resolve();
  constructor(private readonly path: string, private readonly tmpDir: string) {}

  /** Run `fn` holding the lock (between processes and within this one). */
  async with<T>(fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
    const prev = this.queue;
    let release!: () => void;
    this.queue = new Promise((r) => (release = r));
    await prev;
    try {
      opts.signal?.throwIfAborted();
      const token = await this.acquire(opts);
      try {
        return await fn();
      } finally {
        await this.release(token);
      }
    } finally {
      release();
    }
  }

  private async acquire(opts: LockOptions): Promise<string> {
    const token = `${process.pid} ${selfStartTime()} ${randomBytes(8).toString('hex')}\n`;
    const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
    let poll = opts.pollMs ?? 5;
    for (;;) {
      if (this.tryLink(token)) return token;
      await this.breakIfStale();
      if (Date.now() > deadline) throw lockedError(`store is locked (${this.path}) by a live process`, { path: this.path });
      await pause(poll, opts.signal);
      poll = Math.min(poll * 2, 100);
    }
  }

  /**
   * One attempt: write the owner first, then link it into place, so the lock is never seen empty.
   * Synchronous: a few µs of syscalls each (no fsync), where the async calls cost a thread-pool
   * round trip apiece and every build takes the lock to tag its image.
   */
  private tryLink(token: string): boolean {
    const tmp = `${this.tmpDir}/lock-${process.pid}-${randomBytes(6).toString('hex')}`;
    try {
      writeFileSync(tmp, token);
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err;
      mkdirSync(this.tmpDir, { recursive: true });
      mkdirSync(dirname(this.path), { recursive: true });
      writeFileSync(tmp, token);
    }
    try {
      linkSync(tmp, this.path);
      return true;
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
      return false;
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  private async breakIfStale(): Promise<void> {
    let owner: string;
    try {
      owner = await readFile(this.path, 'utf8');
    } catch {
      return;
    }
    if (ownerAlive(owner)) return;
    // move it aside, then make sure we moved the stale one and not a fresh lock taken meanwhile
    const aside = `${this.tmpDir}/stale-lock-${process.pid}-${randomBytes(6).toString('hex')}`;
    try {
      await rename(this.path, aside);
    } catch {
      return;
    }
    const moved = await readFile(aside, 'utf8').catch(() => '');
    if (moved !== owner) await link(aside, this.path).catch(() => {});
    await rm(aside, { force: true });
  }

  private async release(token: string): Promise<void> {
    let cur = '';
    try {
      cur = readFileSync(this.path, 'utf8');
    } catch {
      return;
    }
    if (cur === token) rmSync(this.path, { force: true });
  }
}

/** setTimeout as a promise that an abort ends early, rejecting with the signal's AbortError. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return new Promise((r) => setTimeout(r, ms));
  return new Promise((resolve, reject) => {
    const stop = onAbort(signal, (err) => {
      clearTimeout(timer);
      reject(err);
    });
    const timer = setTimeout(() => {
      stop();
      resolve();
    }, ms);
  });
}
