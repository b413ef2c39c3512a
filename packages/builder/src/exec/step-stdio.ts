/**
 * A step's standard streams as BuildKit gives them: stdin an empty pipe, stdout and stderr pipes.
 * Node's 'pipe' stdio makes socketpairs, and open(2) of /proc/self/fd/N on a socket fails with
 * ENXIO — so `echo x > /dev/stderr` or `tee /dev/stdout` failed in a RUN. The pipes come from the
 * syscall addon (pipe2 with O_CLOEXEC, so no other child inherits them); without it a step gets
 * Node's socketpairs as before.
 */
import type { ChildProcess, StdioNull, StdioPipe } from 'node:child_process';
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { sysAddon } from './native-sys.js';

export interface StepStdio {
  /** spawn()'s stdio for fds 0-2 */
  readonly stdio: [StdioNull | number, StdioPipe | number, StdioPipe | number];
  /** Right after spawn: drop this process's copies of the child's ends; the child's output streams. */
  attach(child: ChildProcess): { stdout: Readable; stderr: Readable; closed: Promise<void> };
  /** spawn() threw: close everything */
  dispose(): void;
}

export function stepStdio(): StepStdio {
  const addon = sysAddon();
  const made: number[] = [];
  const pipe = (): [number, number] | undefined => {
    const p = addon?.pipe();
    if (!Array.isArray(p)) return undefined;
    made.push(...p);
    return p;
  };
  const close = (fd: number) => {
    const i = made.indexOf(fd);
    if (i < 0) return;
    made.splice(i, 1);
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  };
  const input = pipe();
  const out = input && pipe();
  const err = out && pipe();
  if (!input || !out || !err) {
    for (const fd of [...made]) close(fd);
    return {
      stdio: ['ignore', 'pipe', 'pipe'],
      attach: (child) => ({ stdout: child.stdout!, stderr: child.stderr!, closed: Promise.resolve() }),
      dispose: () => undefined,
    };
  }
  close(input[1]); // nothing is ever written: the step reads EOF at once
  return {
    stdio: [input[0], out[1], err[1]],
    attach() {
      for (const fd of [input[0], out[1], err[1]]) close(fd);
      const reader = (fd: number) => {
        const i = made.indexOf(fd);
        if (i >= 0) made.splice(i, 1); // the socket owns it now
        return new Socket({ fd, readable: true, writable: false });
      };
      const stdout = reader(out[0]);
      const stderr = reader(err[0]);
      const closed = Promise.all([stdout, stderr].map((s) => new Promise<void>((resolve) => s.once('close', () => resolve())))).then(() => undefined);
      return { stdout, stderr, closed };
    },
    dispose() {
      for (const fd of [...made]) close(fd);
    },
  };
}
