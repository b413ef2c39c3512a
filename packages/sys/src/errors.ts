/**
 * A failed syscall. @tsbuild/sys depends on nothing of tsbuild's (it is the bottom of the graph),
 * so this is a plain Error with Node's own conventions — `code` the errno's name, as node:fs sets
 * it — which callers wrap into their typed errors (E_MOUNT, E_IO, …) with `cause`.
 */
import { constants } from 'node:os';

const NAMES = new Map<number, string>(Object.entries(constants.errno).map(([k, v]) => [v, k]));

export class SyscallError extends Error {
  /** the errno's name (EINVAL, EBUSY, …), or `errno N` for one this Node does not name */
  readonly code: string;
  constructor(readonly syscall: string, readonly errno: number, detail: string) {
    const code = NAMES.get(errno) ?? `errno ${errno}`;
    super(`${syscall} ${detail}: ${code} (${errnoText(errno)})`);
    this.name = 'SyscallError';
    this.code = code;
  }
}

const TEXT: Record<string, string> = {
  EPERM: 'operation not permitted', ENOENT: 'no such file or directory', EACCES: 'permission denied', EBUSY: 'device or resource busy',
  EEXIST: 'file exists', ENODEV: 'no such device', ENOTDIR: 'not a directory', EINVAL: 'invalid argument', ENOSYS: 'function not implemented',
  EOPNOTSUPP: 'operation not supported', ENOSPC: 'no space left on device', ENAMETOOLONG: 'file name too long', ENODATA: 'no data available',
};

function errnoText(errno: number): string {
  return TEXT[NAMES.get(errno) ?? ''] ?? 'error';
}

/** A syscall table or a perl/addon is missing for what was asked: no way to make this call here. */
export class SysUnavailableError extends Error {
  readonly code = 'ENOSYS';
  constructor(what: string) {
    super(`${what}: neither the syscall addon nor perl with a syscall table for ${process.arch} is available`);
    this.name = 'SysUnavailableError';
  }
}

/** C strings end at NUL: such an argument would name something else */
export function hasNul(s: string | Buffer): boolean {
  return typeof s === 'string' ? s.includes('\0') : s.includes(0);
}

export function nulError(syscall: string): SyscallError {
  return new SyscallError(syscall, constants.errno.EINVAL, 'an argument contains a NUL byte');
}
