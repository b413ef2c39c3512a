/**
 * A cgroup (v1 `devices` and `pids` hierarchies) per RUN step, as runc makes one per container:
 *
 *   devices: everything denied but Docker's default allow-list — any node may be created (mknod),
 *            only null, zero, full, random, urandom, tty, console, ptmx, pts/* and net/tun opened;
 *            a node the step makes for another device fails to open with EPERM, as under Docker
 *   pids:    at most PIDS_MAX tasks (a fork bomb in a RUN stops there)
 *
 * The final stage joins them before its first mount, so the step and all its children are inside.
 * Opt-in (UnshareExecutor devicePolicy 'cgroup'): joining a v1 cgroup takes the cgroup
 * threadgroup rwsem for writing, which waits for an RCU grace period: about as long as a whole
 * `RUN true` (figures in docs/performance.md). The default is `nodev` mounts, free: opening such
 * a node then fails with EACCES instead of EPERM.
 */
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { deadOwned, ownerTag, processStart } from '@tsbuild/layerstore';

/** Docker's default device rules (runc's AllowedDevices + /dev/net/tun), in devices.allow syntax. */
export const DEVICE_RULES = ['c *:* m', 'b *:* m', 'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm',
  'c 5:0 rwm', 'c 5:1 rwm', 'c 5:2 rwm', 'c 136:* rwm', 'c 10:200 rwm'];

/** Generous for parallel builds, still a stop for runaway forks. */
export const PIDS_MAX = 32768;

const PREFIX = 'tsbuild-step-';

export interface StepCgroupRoots { devices?: string; pids?: string }

/** The v1 hierarchies this host has mounted (writable ones only are of use; checked on first create). */
export function stepCgroupRoots(base = '/sys/fs/cgroup'): StepCgroupRoots {
  const roots: StepCgroupRoots = {};
  if (existsSync(join(base, 'devices', 'devices.deny'))) roots.devices = join(base, 'devices');
  if (existsSync(join(base, 'pids', 'cgroup.procs')) && !existsSync(join(base, 'pids', 'cgroup.controllers'))) roots.pids = join(base, 'pids');
  return roots;
}

export interface StepCgroup {
  /** directories whose cgroup.procs the final stage writes */
  dirs: string[];
  /** remove them (after the step's processes are gone); never throws */
  remove(): Promise<void>;
}

/** Creates the step's cgroups; undefined when the host has no devices hierarchy we may write to. */
export function createStepCgroup(roots: StepCgroupRoots): StepCgroup | undefined {
  if (!roots.devices) return undefined;
  // named for its owner as the store's scratch is (pid, start time, pid namespace): a reused pid
  // or a builder in another pid namespace never has its cgroups swept
  const name = `${PREFIX}${ownerTag()}-${randomBytes(6).toString('hex')}`;
  const dirs: string[] = [];
  const remove = async () => {
    for (const d of dirs.reverse()) await rmdirRetry(d);
  };
  try {
    const dev = join(roots.devices, name);
    mkdirSync(dev);
    dirs.push(dev);
    writeFileSync(join(dev, 'devices.deny'), 'a');
    for (const r of DEVICE_RULES) writeFileSync(join(dev, 'devices.allow'), r);
    if (roots.pids) {
      const pids = join(roots.pids, name);
      mkdirSync(pids);
      dirs.push(pids);
      writeFileSync(join(pids, 'pids.max'), String(PIDS_MAX));
    }
    return { dirs: [...dirs], remove };
  } catch {
    void remove();
    return undefined;
  }
}

/** rmdir, retried briefly: the last tasks of a pid namespace may still be leaving the cgroup */
async function rmdirRetry(dir: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      await new Promise((r) => setTimeout(r, 5 * (i + 1)));
    }
  }
}

/**
 * Removes empty step cgroups an earlier, killed tsbuild left behind (rmdir fails on busy ones):
 * those whose owner is gone by the store's own test (layerstore gc/scratch.ts deadOwned).
 */
export function sweepStepCgroups(roots: StepCgroupRoots): void {
  for (const root of [roots.devices, roots.pids]) {
    if (!root) continue;
    for (const dir of deadOwned(root, OWNED, legacyOwnerGone)) {
      try {
        rmdirSync(dir);
      } catch {
        // busy or gone
      }
    }
  }
}

/** `tsbuild-step-<owner tag>-<random>` (createStepCgroup) */
const OWNED = /^tsbuild-step-(\d+)-(\d+)-(\d+)-[0-9a-f]+$/;

/** A name from before owner tags (`tsbuild-step-<pid>-<random>`) goes when its pid is gone. */
function legacyOwnerGone(name: string): boolean {
  const pid = /^tsbuild-step-(\d+)-[0-9a-f]+$/.exec(name)?.[1];
  return pid !== undefined && processStart(Number(pid)) === undefined;
}
