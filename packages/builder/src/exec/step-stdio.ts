/**
 * A step's standard streams as BuildKit gives them: stdin an empty pipe, stdout and stderr pipes.
 * Node's 'pipe' stdio makes socketpairs, and open(2) of /proc/self/fd/N on a socket fails with
 * ENXIO — so `echo x > /dev/stderr` or `tee /dev/stdout` failed in a RUN.
 *
 * The pipes come from the syscall addon (pipe2 with O_CLOEXEC, so no other child inherits them).
 * Without the addon, stdout and stderr are FIFOs @tsbuild/sys's perl server makes (opened at both
 * ends, then unlinked; Node opens files close-on-exec) and the perl final stage makes the step's
 * stdin an empty pipe itself. Only where neither works does a step get Node's socketpairs.
 */
import { spawn, type ChildProcess, type StdioNull, type StdioPipe } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { sys, sysAddon, type SysCalls } from '@tsbuild/sys';

export interface StepStdio {
  /**
   * spawn(2) `command` with an empty environment, these streams as fds 0-2 and `extraPipes` more
   * Node pipes as fds 3..; `closed` settles once the step's output streams are drained (they are
   * not the child's own stdio, so its 'close' does not wait for them). Synchronous, so the caller
   * attaches its 'error' listener before Node can emit one.
   */
  spawn(command: string, args: string[], extraPipes?: number): { child: ChildProcess; stdout: Readable; stderr: Readable; closed: Promise<void> };
}

/** the three streams, before spawn */
interface Streams {
  readonly stdio: [StdioNull | number, StdioPipe | number, StdioPipe | number];
  /** right after spawn: drop this process's copies of the child's ends; the child's output streams */
  attach(child: ChildProcess): { stdout: Readable; stderr: Readable; closed: Promise<void> };
  /** spawn() threw: close everything */
  dispose(): void;
}

type Ends = [read: number, write: number];

export async function stepStdio(): Promise<StepStdio> {
  const streams = await makeStreams();
  return {
    spawn(command, args, extraPipes = 0) {
      let child: ChildProcess;
      try {
        child = spawn(command, args, { env: {}, stdio: [...streams.stdio, ...new Array<'pipe'>(extraPipes).fill('pipe')] });
      } catch (err) {
        streams.dispose();
        throw err;
      }
      return { child, ...streams.attach(child) };
    },
  };
}

async function makeStreams(): Promise<Streams> {
  const fds = new OwnedFds();
  const addon = sysAddon();
  if (addon) {
    const pipe = (): Ends | undefined => {
      const p = addon.pipe();
      return Array.isArray(p) ? fds.own(p) : undefined;
    };
    const input = pipe();
    const out = input && pipe();
    const err = out && pipe();
    if (input && out && err) {
      fds.close(input[1]); // nothing is ever written: the step reads EOF at once
      return withEnds(fds, input[0], out, err);
    }
  } else {
    const helper = sys();
    if (helper?.backend === 'perl') {
      const out = await fifo(helper, fds);
      const err = out && (await fifo(helper, fds));
      if (out && err) return withEnds(fds, 'ignore', out, err);
    }
  }
  fds.closeAll();
  return {
    stdio: ['ignore', 'pipe', 'pipe'],
    attach: (child) => ({ stdout: child.stdout!, stderr: child.stderr!, closed: Promise.resolve() }),
    dispose: () => undefined,
  };
}

/** a FIFO opened at both ends (the reader non-blocking, so its open does not wait), then unlinked */
async function fifo(helper: SysCalls, fds: OwnedFds): Promise<Ends | undefined> {
  const path = join(tmpdir(), `tsbuild-stdio-${process.pid}-${randomBytes(8).toString('hex')}`);
  try {
    await helper.mknod([{ path, mode: constants.S_IFIFO | 0o600, major: 0, minor: 0 }]);
  } catch {
    return undefined;
  }
  try {
    const r = fds.own([openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)])[0];
    const w = fds.own([openSync(path, constants.O_WRONLY)])[0];
    return [r, w];
  } catch {
    return undefined;
  } finally {
    rmSync(path, { force: true });
  }
}

/** the child gets `stdin` and the write ends; this process reads the read ends */
function withEnds(fds: OwnedFds, stdin: number | 'ignore', out: Ends, err: Ends): Streams {
  return {
    stdio: [stdin, out[1], err[1]],
    attach() {
      for (const fd of [stdin, out[1], err[1]]) if (typeof fd === 'number') fds.close(fd);
      const reader = (fd: number) => new Socket({ fd: fds.release(fd), readable: true, writable: false });
      const stdout = reader(out[0]);
      const stderr = reader(err[0]);
      const closed = Promise.all([stdout, stderr].map((s) => new Promise<void>((resolve) => s.once('close', () => resolve())))).then(() => undefined);
      return { stdout, stderr, closed };
    },
    dispose: () => fds.closeAll(),
  };
}

/** fds this module opened and has not handed on yet */
class OwnedFds {
  private readonly fds = new Set<number>();

  own<T extends number[]>(fds: T): T {
    for (const fd of fds) this.fds.add(fd);
    return fds;
  }

  /** hand `fd` on (a socket owns it now) */
  release(fd: number): number {
    this.fds.delete(fd);
    return fd;
  }

  close(fd: number): void {
    if (!this.fds.delete(fd)) return;
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }

  closeAll(): void {
    for (const fd of [...this.fds]) this.close(fd);
  }
}
