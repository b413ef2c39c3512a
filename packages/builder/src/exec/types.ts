/**
 * Side effects of running a step, behind interfaces so the solver can be tested with fakes
 * and so machines without overlayfs / with an OCI runtime can swap implementations.
 *
 *   Snapshotter.prepare(lowerdirs) ─▶ Mounted rootfs (overlay: lower + fresh upper)
 *   Executor.run(spec on that rootfs) ─▶ exit code, output
 *   diff(upperdir) ─▶ OCI layer tar stream (whiteouts, opaque dirs)   [exec/diff lives in ../diff]
 */
import type { Readable } from 'node:stream';

/** `--ulimit NAME=SOFT[:HARD]`; NAME as docker and prlimit(1) spell it (nofile, nproc, core, …) */
export interface Ulimit {
  /** the resource, as docker and prlimit(1) spell it: `nofile`, `nproc`, `core` … */
  name: string;
  /** the soft limit */
  soft: number;
  /** the hard limit */
  hard: number;
}

/** The user a RUN step runs as (resolved from the image's /etc/passwd and /etc/group). */
export interface User { uid: number; gid: number; additionalGids: number[] }

/** A mount a RUN step gets besides its rootfs (`RUN --mount`, secrets). */
export type RunMount =
  /** bind a host directory (already prepared: context subtree, stage snapshot, cache dir) */
  | { type: 'bind'; source: string; target: string; readonly: boolean }
  | { type: 'tmpfs'; target: string; size?: number }
  /** a file with secret contents, mounted read-only; never part of the layer */
  | { type: 'file'; source: string; target: string; mode: number; uid: number; gid: number };

/** One command to run in a prepared rootfs: what {@link Executor.run} takes. */
export interface RunSpec {
  /** mounted rootfs directory (the snapshot's merged view) */
  rootfs: string;
  args: string[];
  env: string[];
  cwd: string;
  user: User;
  /** 'default': an isolated namespace with outbound NAT (exec/netns-pool.ts); 'host' is granted by the network.host entitlement */
  network: 'default' | 'none' | 'host';
  /** 'insecure' (granted by the security.insecure entitlement): no seccomp, every capability; default 'sandbox' */
  security?: 'sandbox' | 'insecure';
  hostname: string;
  /** `--add-host`: lines appended to /etc/hosts */
  extraHosts?: { host: string; ip: string }[];
  /** `--shm-size`: bytes of /dev/shm (default 64 MiB) */
  shmSize?: number;
  /** `--ulimit`: resource limits of the step's processes (-1 = unlimited) */
  ulimits?: Ulimit[];
  mounts: RunMount[];
  /** called with output chunks as they arrive */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  signal?: AbortSignal;
}

/** How a RUN command ended. */
export interface RunResult { exitCode: number; signal?: string }

/**
 * Runs RUN steps (`UnshareExecutor`: Linux namespaces through util-linux; `RuncExecutor`: an OCI
 * runtime). Give one to `build({ executor })` to run steps your way; it must honour `spec.signal`.
 */
export interface Executor {
  readonly name: string;
  run(spec: RunSpec): Promise<RunResult>;
}

/** A rootfs a {@link Snapshotter} prepared for one step. */
export interface Mounted {
  /** merged rootfs the executor runs in */
  root: string;
  /** the writable layer: its contents become the step's diff */
  upperdir: string;
  /** true when overlayfs is used; false for the copying fallback */
  overlay: boolean;
  /** unmount and remove scratch dirs; idempotent */
  release(): Promise<void>;
  /** unmount only, keeping upperdir (overlay); idempotent, and release() then skips the unmount */
  detach?(): Promise<void>;
}

/**
 * Prepares the rootfs a step runs in from the layer snapshots below it (`OverlaySnapshotter`:
 * overlayfs; `CopySnapshotter`: a copy, where overlayfs is missing). `build({ snapshotter })`.
 */
export interface Snapshotter {
  readonly name: string;
  /** lowerdirs lowest-first (as LayerStore.ensureSnapshots returns them); empty = scratch */
  prepare(lowerdirs: string[], opts: { scratchDir: string }): Promise<Mounted>;
}

/** Produce the OCI layer tar for the changes in `mounted` (upperdir for overlay, a tree compare for the copy fallback). */
export type DiffFn = (mounted: Mounted, lowerdirs: string[], opts: {
  sourceDateEpoch?: number;
  /** paths relative to the rootfs (no leading slash) left out of the layer with their subtrees */
  exclude?: string[];
}) => Readable;
