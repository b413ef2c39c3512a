export type { NodeSpec, SysAddon, SysBackend, SysCalls, SysPath, XattrQuery, XattrWrite } from './types.js';
export { SyscallError, SysUnavailableError } from './errors.js';
export { sys, perlServer } from './syscalls.js';
export { sysAddon, loadedAddon } from './addon/load.js';
export { NativeSysCalls } from './native.js';
export { PerlSysServer } from './perl/server.js';
export { hasSyscallTable, syscallNumbers, syscallTable } from './table/numbers.js';
export { SYSCALLS_GENERIC_64, SYSCALLS_I386, SYSCALLS_X86_64 } from './table/syscall-tables.js';
export { findTool } from './tools.js';
