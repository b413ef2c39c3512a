/**
 * overlayfs snapshotter: the step's rootfs is `lowerdirs` (read-only, shared) under a fresh
 * upperdir. Layout under `scratchDir`: upper/ work/ merged/ (+ empty/ for scratch, l/ for
 * short lowerdir links).
 *
 * Overlay wants the TOPMOST lowerdir first; the input is lowest first. The whole option string
 * must fit in one page (~4096 bytes): when absolute paths don't, the mount is done with
 * `cwd = scratchDir` and short relative symlinks `l/<n>` to each lowerdir (the trick Docker's
 * overlay2 driver uses), which fits the kernel's 500-layer maximum.
 *
 * `index=off,redirect_dir=off,metacopy=off`: the upperdir must hold complete files and
 * directories (no metadata-only copy-ups, no redirects into lower layers), because it IS the layer.
 */
import { chmodSync, chownSync, mkdirSync, statSync, utimesSync } from 'node:fs';
import { mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Mounted, Snapshotter } from '../exec/types.js';
import { BuildError } from '../errors.js';
import { overlayOpaqueXattr } from '@tsbuild/layerstore';
import { hostTools } from '../exec/host-tools.js';
import { runTool } from './run-tool.js';
import { sys, type SyscallError } from '@tsbuild/sys';

const MNT_DETACH = 2;

const PAGE_LIMIT = 4000;
/** the most lower layers one overlayfs mount takes (fs/overlayfs/params.h OVL_MAX_STACK, 500 since Linux 4.x): more is EINVAL */
const OVL_MAX_STACK = 500;
const SAFE_OPTS = 'index=off,redirect_dir=off,metacopy=off';

export interface OverlaySnapshotterOptions {
  /** extra mount options appended to the defaults */
  extraOptions?: string;
  /**
   * Mount with `volatile` where the kernel has it (5.10+; default true): unmounting then skips the
   * syncfs(2) of the whole upper filesystem, which flushes every dirty page on that disk (the just
   * extracted base, other processes' writes): a cost per step that grows with the disk's load. The upperdir is either
   * thrown away or adopted as a snapshot, and snapshots are not fsync'd when extracted either.
   */
  volatile?: boolean;
}

export class OverlaySnapshotter implements Snapshotter {
  readonly name = 'overlayfs';
  /** index of the first option variant this kernel accepted (earlier ones were refused) */
  private refused = 0;
  constructor(private readonly opts: OverlaySnapshotterOptions = {}) {}

  async prepare(lowerdirs: string[], opts: { scratchDir: string }): Promise<Mounted> {
    const scratch = opts.scratchDir;
    const upperdir = join(scratch, 'upper');
    const workdir = join(scratch, 'work');
    const root = join(scratch, 'merged');
    // A handful of metadata syscalls, made synchronously on purpose: through the thread pool they
    // queue behind the build's fsyncs (cache records, blobs).
    for (const d of [upperdir, workdir, root]) mkdirSync(d, { recursive: true });
    let lowers = [...lowerdirs].reverse();
    if (lowers.length === 0) {
      // overlay needs at least one lowerdir: scratch = an empty one
      const empty = join(scratch, 'empty');
      mkdirSync(empty, { recursive: true });
      chmodSync(empty, 0o755);
      lowers = [empty];
    }
    // "/" of the merged view takes the upperdir's own attributes: give it the top layer's (never
    // the caller's umask), so the rootfs root keeps its mode, owner and time
    let top;
    try {
      top = statSync(lowers[0]!);
    } catch (err) {
      await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
      throw new BuildError('E_MOUNT', `lowerdir ${lowers[0]} is not usable: ${(err as Error).message}`, { cause: err });
    }
    chmodSync(upperdir, top.mode & 0o7777);
    chownSync(upperdir, top.uid, top.gid);
    utimesSync(upperdir, top.atime, top.mtime);
    for (const l of lowers) {
      if (/[,:\\\n]/.test(l)) throw new BuildError('E_MOUNT', `overlay lowerdir path contains an unsupported character: ${l}`);
    }
    let cwd: string | undefined;
    let lowerOpt = lowers.join(':');
    let upperOpt = upperdir;
    let workOpt = workdir;
    if (lowerOpt.length + upperdir.length + workdir.length + 100 > PAGE_LIMIT) {
      const links = join(scratch, 'l');
      await mkdir(links, { recursive: true });
      await Promise.all(lowers.map((l, i) => symlink(l, join(links, i.toString(36)))));
      cwd = scratch;
      lowerOpt = lowers.map((_, i) => `l/${i.toString(36)}`).join(':');
      upperOpt = 'upper';
      workOpt = 'work';
    }
    const base = `lowerdir=${lowerOpt},upperdir=${upperOpt},workdir=${workOpt}`;
    // in a user namespace (rootless) overlay keeps its markers in user.* xattrs: trusted.* is the
    // initial namespace's only (without it, removing a lower directory is EIO); id-map.ts names them
    const userx = overlayOpaqueXattr().startsWith('user.') ? ',userxattr' : '';
    const extra = `${userx}${this.opts.extraOptions ? `,${this.opts.extraOptions}` : ''}`;
    // most wanted first; a variant this kernel refused once is not tried again
    const variants = [
      ...(this.opts.volatile === false ? [] : [`${base},${SAFE_OPTS},volatile${extra}`]),
      `${base},${SAFE_OPTS}${extra}`,
      // old kernels without metacopy/redirect_dir knobs: those default to off there anyway
      `${base}${extra}`,
    ];
    const from = Math.min(this.refused, variants.length - 1);
    let first: unknown;
    for (let i = from; i < variants.length; i++) {
      try {
        await mountOverlay(variants[i]!, root, cwd);
        if (i > this.refused) this.refused = i;
        return new OverlayMount(root, upperdir, scratch);
      } catch (err) {
        first ??= err;
      }
    }
    await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
    if (lowers.length > OVL_MAX_STACK) {
      throw new BuildError('E_MOUNT', `cannot mount overlayfs: the rootfs has ${lowers.length} layers and overlayfs stacks at most ${OVL_MAX_STACK} (the kernel's OVL_MAX_STACK); combine RUN steps or squash the base image (${(first as Error).message})`, { cause: first, data: { layers: lowers.length, limit: OVL_MAX_STACK } });
    }
    throw new BuildError('E_MOUNT', `cannot mount overlayfs: ${(first as Error).message}`, { cause: first });
  }
}

/**
 * mount -t overlay overlay -o <options> <target>: through @tsbuild/sys (no process per
 * mount) when it runs here and the options are all overlay's own (no generic flags such as
 * `ro` in extraOptions, which mount(8) would turn into MS_* bits); else mount(8).
 */
async function mountOverlay(options: string, target: string, cwd: string | undefined): Promise<void> {
  const helper = sys();
  const generic = /(^|,)(ro|rw|nosuid|suid|nodev|dev|noexec|exec|sync|async|remount|bind|noatime|atime|relatime|strictatime|lazytime|nodiratime|dirsync|defaults)(,|$)/;
  if (helper && !generic.test(options)) {
    await helper.mount('overlay', target, 'overlay', 0, options, cwd ?? '');
    return;
  }
  await runTool(hostTools().mount, ['-t', 'overlay', 'overlay', '-o', options, target], { cwd });
}

class OverlayMount implements Mounted {
  readonly overlay = true;
  private releasing?: Promise<void>;
  private detaching?: Promise<void>;
  constructor(readonly root: string, readonly upperdir: string, private readonly scratch: string) {}

  detach(): Promise<void> {
    this.detaching ??= unmount(this.root);
    return this.detaching;
  }

  release(): Promise<void> {
    this.releasing ??= (async () => {
      await this.detach();
      await rm(this.scratch, { recursive: true, force: true });
    })();
    return this.releasing;
  }
}

/** Unmount `target`; lazily when busy; a target that is not mounted counts as done. */
export async function unmount(target: string): Promise<void> {
  const helper = sys();
  if (helper) {
    try {
      await helper.umount(target);
    } catch (err) {
      const code = (err as SyscallError).code;
      // EINVAL: not a mount point (any more); ENOENT: no such path
      if (code === 'EINVAL' || code === 'ENOENT') return;
      if (code !== 'EBUSY') throw new BuildError('E_MOUNT', `cannot unmount ${target}: ${(err as Error).message}`, { cause: err });
      try {
        await helper.umount(target, MNT_DETACH);
      } catch (err2) {
        const code2 = (err2 as SyscallError).code;
        if (code2 === 'EINVAL' || code2 === 'ENOENT') return;
        throw new BuildError('E_MOUNT', `cannot unmount ${target}: ${(err2 as Error).message}`, { cause: err2 });
      }
    }
    return;
  }
  const bin = hostTools().umount;
  try {
    await runTool(bin, [target]);
  } catch (err) {
    const msg = (err as Error).message;
    if (/not mounted|no mount point|not found|No such file/i.test(msg)) return;
    try {
      await runTool(bin, ['-l', target]);
    } catch (err2) {
      if (/not mounted|no mount point|not found|No such file/i.test((err2 as Error).message)) return;
      throw new BuildError('E_MOUNT', `cannot unmount ${target}: ${(err2 as Error).message}`, { cause: err2 });
    }
  }
}
