/**
 * The process's syscalls: the addon where it loads, else the perl fallback server where perl and
 * a syscall table for this arch are there, else undefined (callers then use their tools, or say
 * what cannot be done). Chosen once per process; `TSBUILD_NO_NATIVE=1` forces the perl server.
 */
import { sysAddon } from './addon/load.js';
import { NativeSysCalls } from './native.js';
import { PerlSysServer } from './perl/server.js';
import { NAMES } from './perl/script.js';
import { syscallNumbers } from './table/numbers.js';
import { perlPath } from './tools.js';
import type { SysCalls } from './types.js';

let shared: SysCalls | null | undefined;

export function sys(): SysCalls | undefined {
  if (shared === undefined) shared = choose();
  return shared ?? undefined;
}

function choose(): SysCalls | null {
  if (process.platform !== 'linux') return null;
  const addon = sysAddon();
  if (addon) return new NativeSysCalls(addon);
  return perlServer() ?? null;
}

/** A perl server of its own (tests compare it with the addon); undefined without perl or a table. */
export function perlServer(): PerlSysServer | undefined {
  const perl = perlPath();
  const nr = syscallNumbers(NAMES);
  return perl && nr ? new PerlSysServer(perl, nr) : undefined;
}
