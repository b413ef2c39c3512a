/**
 * The shapes of @tsbuild/sys: the syscalls Node has no API for, behind one interface that the
 * in-process addon (native.ts) and the perl fallback server (perl/server.ts) both implement, with
 * the same answers and the same errors.
 */

/**
 * A path handed to a syscall. File names are bytes: a Buffer carries a name that is not UTF-8
 * exactly (callers holding a losslessly decoded string turn it back with layerstore's `fsName`);
 * a string is taken as UTF-8. A NUL anywhere is refused (a C string would end there).
 */
export type SysPath = string | Buffer;

export interface XattrQuery { path: SysPath; name: string }

export interface XattrWrite { path: SysPath; name: string; value: Buffer }

export interface NodeSpec {
  path: SysPath;
  /** st_mode including the type: S_IFIFO, S_IFCHR or S_IFBLK (an overlay whiteout is S_IFCHR 0:0) */
  mode: number;
  major: number;
  minor: number;
}

/** Which implementation answers: the addon, or the perl fallback server. */
export type SysBackend = 'addon' | 'perl';

/** The privileged syscalls, from the addon or the perl server (same answers, same errors). */
export interface SysCalls {
  readonly backend: SysBackend;
  /** mount(2); `cwd` makes relative paths in `data` resolve there (overlay's short lowerdir links). */
  mount(source: string, target: string, fstype: string, flags: number, data: string, cwd?: string): Promise<void>;
  /** umount2(2); flags 2 = MNT_DETACH. */
  umount(target: string, flags?: number): Promise<void>;
  /** lgetxattr(2) of each query; absent attributes (or unreadable paths) are missing from the map. */
  getxattrs(queries: readonly XattrQuery[]): Promise<Map<number, Buffer>>;
  /** llistxattr(2) of each path: the attribute names; paths without any (or unreadable) are missing. */
  listxattrs(paths: readonly SysPath[]): Promise<Map<number, string[]>>;
  /** lsetxattr(2) of each item, in order; rejects with the first failure (a SyscallError) after trying all. */
  setxattrs(items: readonly XattrWrite[]): Promise<void>;
  /** mknod(2) of each node, in order; rejects with the first failure after trying all. */
  mknod(nodes: readonly NodeSpec[]): Promise<void>;
  /** Get ready now: the first call is moments away (the perl server starts; the addon has nothing to do). */
  warm(): void;
}

/** The addon's exports (native/sys.c). Every call answers an errno (0 = success) or its value. */
export interface SysAddon {
  /** errno, 0 on success; a non-empty cwd resolves relative paths in `data` and `target` there */
  mount(source: string, target: string, fstype: string, flags: number, data: string, cwd: string): number;
  umount2(target: string, flags: number): number;
  /** the value, or the errno (ENODATA: no such attribute) */
  lgetxattr(path: SysPath, name: string): Buffer | number;
  /** the names, each NUL-terminated, or the errno */
  llistxattr?(path: SysPath): Buffer | number;
  lsetxattr(path: SysPath, name: string, value: Buffer): number;
  mknod?(path: SysPath, mode: number, major: number, minor: number): number;
  /** pipe2(O_CLOEXEC): [read fd, write fd], or the errno */
  pipe(): [number, number] | number;
  /** openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): the part below root ('' or '/a/b'), or the errno */
  resolveInRoot?(root: string, path: string, followLast: boolean): string | number;
}
