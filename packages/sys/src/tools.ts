/**
 * Host binaries are found on a fixed search path, never the caller's PATH: a step's environment
 * (or a user's) must not choose which program runs with root privileges. The one lookup: the
 * builder's host-tools.ts uses it for everything it spawns, the perl server for perl.
 */
import { accessSync, constants } from 'node:fs';

const SEARCH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** First executable named `name` on the fixed search path, or undefined. */
export function findTool(name: string): string | undefined {
  for (const dir of SEARCH) {
    const p = `${dir}/${name}`;
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

let perl: string | null | undefined;

/** perl's path, looked up once per process (the walker runs on warm builds: no lookup each time) */
export function perlPath(): string | undefined {
  if (perl === undefined) perl = findTool('perl') ?? null;
  return perl ?? undefined;
}
