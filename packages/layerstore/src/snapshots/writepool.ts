/**
 * Small regular files of a layer, created on worker threads instead of the main one.
 *
 * The extractor packs each file (path, create mode, owner, mode, mtime, body) into a batch buffer
 * shared with one worker (a SharedArrayBuffer: no copy, no transfer), hands the batch over with a
 * two-number message, and that worker runs the same
 * syscalls the main thread would: open(O_CREAT|O_EXCL|O_NOFOLLOW) → write → [fchown] → [fchmod]
 * → futimes → close. The main thread keeps parsing meanwhile, so on a 2-core machine the tar
 * parsing and the file system work overlap, and on a disk whose creates block (or burn kernel
 * CPU) several creates are in flight at once.
 *
 * Ordering is the extractor's job: it creates every directory itself before queueing files into
 * it, and waits for `drain()` (a barrier) before anything that could touch a queued path
 * (duplicates, hardlinks to a queued file, whiteouts, replacing a directory, the final directory
 * mtimes). A failed batch fails the extraction: the first error is kept and thrown by the next
 * `take`, `send`, `whenFree` or `drain`; `close()` stops every worker before the caller removes its
 * temp dir, so nothing writes there afterwards.
 *
 * Record layout (little-endian): u8 flags (1 = fchown, 2 = fchmod), 3 bytes padding,
 * u32 create mode, u32 chmod mode, u32 uid, u32 gid, f64 mtime (seconds, from snapshots/utime.ts), u32 path bytes,
 * u32 body bytes, then the path (UTF-8) and the body.
 */
import type { Worker } from 'node:worker_threads';

export const RECORD_HEADER = 36;
export const FLAG_CHOWN = 1;
export const FLAG_CHMOD = 2;

/** the worker: plain CommonJS evaluated from a string, so it runs the same from src/, dist/ or a bundle */
const WORKER_SOURCE = String.raw`
'use strict';
const fs = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const C = fs.constants;
const OPEN = C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW;
const slots = workerData.slots.map((sab) => ({ b: Buffer.from(sab), dv: new DataView(sab) }));
parentPort.on('message', (m) => {
  const { b, dv } = slots[m.slot];
  const len = m.len;
  let off = 0;
  let path;
  try {
    while (off < len) {
      const flags = b[off];
      const cmode = dv.getUint32(off + 4, true);
      const mode = dv.getUint32(off + 8, true);
      const uid = dv.getUint32(off + 12, true);
      const gid = dv.getUint32(off + 16, true);
      const secs = dv.getFloat64(off + 20, true); // seconds for futimes (snapshots/utime.ts)
      // Node reads a negative number of seconds as "now": a time before 1970 goes as a Date
      const t = secs < 0 ? new Date(secs * 1000) : secs;
      const plen = dv.getUint32(off + 28, true);
      const dlen = dv.getUint32(off + 32, true);
      const p0 = off + 36;
      const d0 = p0 + plen;
      path = b.toString('utf8', p0, d0);
      const fd = fs.openSync(path, OPEN, cmode);
      try {
        let w = 0;
        while (w < dlen) w += fs.writeSync(fd, b, d0 + w, dlen - w);
        if (flags & 1) fs.fchownSync(fd, uid, gid);
        if (flags & 2) fs.fchmodSync(fd, mode);
        fs.futimesSync(fd, t, t);
      } finally {
        fs.closeSync(fd);
      }
      off = d0 + dlen;
    }
    parentPort.postMessage(m.slot);
  } catch (e) {
    parentPort.postMessage({ slot: m.slot, error: { message: String(e && e.message), code: e && e.code, errno: e && e.errno, syscall: e && e.syscall, path } });
  }
});
`;

interface WorkerFailure { slot: number; error: { message: string; code?: string; errno?: number; syscall?: string; path?: string } }

export interface Slot {
  /** shared with its worker: no copy and no transfer per batch */
  readonly buf: Buffer;
  readonly worker: Worker;
  /** its index among its worker's slots */
  readonly local: number;
  busy: boolean;
}

/**
 * Worker threads, each with `slotsPerWorker` shared batch buffers of `slotBytes`. The producer
 * takes a free slot, fills it, `send`s it; its worker hands it back when the files exist.
 */
export class WritePool {
  private error?: Error;
  private waiters: (() => void)[] = [];
  private closed = false;
  private busy = 0;

  private constructor(private readonly slots: Slot[], private readonly workers: Worker[]) {
    for (const w of workers) {
      w.on('message', (m: number | WorkerFailure) => this.done(w, m));
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`extraction worker exited (${code})`));
      });
    }
  }

  static async start(workers: number, slotBytes: number, slotsPerWorker = 2): Promise<WritePool> {
    const { Worker } = await import('node:worker_threads');
    const slots: Slot[] = [];
    const ws: Worker[] = [];
    try {
      for (let w = 0; w < workers; w++) {
        const sabs = Array.from({ length: slotsPerWorker }, () => new SharedArrayBuffer(slotBytes));
        const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { slots: sabs } });
        ws.push(worker);
        sabs.forEach((sab, local) => slots.push({ buf: Buffer.from(sab), worker, local, busy: false }));
      }
    } catch (err) {
      await Promise.all(ws.map((w) => w.terminate()));
      throw err;
    }
    return new WritePool(slots, ws);
  }

  get slotBytes(): number {
    return this.slots[0]!.buf.length;
  }

  /** A free slot (on the least busy worker), or undefined when all are in use: see `whenFree()`. */
  take(): Slot | undefined {
    this.throwIfFailed();
    let best: Slot | undefined;
    let bestLoad = Infinity;
    for (const s of this.slots) {
      if (s.busy) continue;
      let load = 0;
      for (const o of this.slots) if (o.busy && o.worker === s.worker) load++;
      if (load < bestLoad) {
        best = s;
        bestLoad = load;
      }
    }
    return best;
  }

  /** Hand `len` bytes of records in `slot` to its worker. */
  send(slot: Slot, len: number): void {
    this.throwIfFailed();
    if (len === 0) return;
    slot.busy = true;
    this.busy++;
    slot.worker.postMessage({ slot: slot.local, len });
  }

  /** Wait until a slot is free (or throw the first failure). */
  async whenFree(): Promise<void> {
    while (this.busy === this.slots.length && !this.error) await new Promise<void>((r) => this.waiters.push(r));
    this.throwIfFailed();
  }

  /** Wait until every queued file is on disk (or throw the first failure). */
  async drain(): Promise<void> {
    while (this.busy > 0 && !this.error) await new Promise<void>((r) => this.waiters.push(r));
    this.throwIfFailed();
  }

  /** Stop every worker (after its current syscall); safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.wake();
  }

  private done(w: Worker, m: number | WorkerFailure): void {
    const local = typeof m === 'number' ? m : m.slot;
    const slot = this.slots.find((s) => s.worker === w && s.local === local);
    if (slot?.busy) {
      slot.busy = false;
      this.busy--;
    }
    if (typeof m !== 'number') {
      const e = new Error(m.error.message) as Error & { code?: string; errno?: number; syscall?: string; path?: string };
      Object.assign(e, { code: m.error.code, errno: m.error.errno, syscall: m.error.syscall, path: m.error.path });
      this.fail(e);
      return;
    }
    this.wake();
  }

  private fail(e: Error): void {
    this.error ??= e;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private throwIfFailed(): void {
    if (this.error) throw this.error;
  }
}
