/**
 * Every extended attribute of each path (llistxattr + lgetxattr, in two batches): what an exact
 * comparison of two trees needs (tests, fsck-like checks). Symlinks are not followed.
 */
import { execFileSync } from 'node:child_process';
import { sysAddon } from './addon/load.js';
import { SysUnavailableError } from './errors.js';
import { splitNames } from './native.js';
import { NAMES, SCRIPT } from './perl/script.js';
import { encodeRequest, items, type Field } from './perl/server.js';
import { sys } from './syscalls.js';
import { syscallNumbers } from './table/numbers.js';
import { perlPath } from './tools.js';
import type { SysPath } from './types.js';

/** name → value per path (by index); a path without attributes gets an empty map */
export async function readAllXattrs(paths: readonly SysPath[]): Promise<Map<string, Buffer>[]> {
  const s = sys();
  if (!s) throw new SysUnavailableError('reading xattrs');
  const out = paths.map(() => new Map<string, Buffer>());
  const lists = await s.listxattrs(paths);
  const asks: { path: SysPath; name: string; at: number }[] = [];
  for (const [i, names] of lists) for (const name of names) asks.push({ path: paths[i]!, name, at: i });
  const vals = await s.getxattrs(asks);
  for (const [qi, v] of vals) out[asks[qi]!.at]!.set(asks[qi]!.name, v);
  return out;
}

/** One attribute's value, or undefined when the path does not have it. */
export async function getXattr(path: SysPath, name: string): Promise<Buffer | undefined> {
  const s = sys();
  if (!s) throw new SysUnavailableError('reading xattrs');
  return (await s.getxattrs([{ path, name }])).get(0);
}

/**
 * The same, synchronously (checks that walk a tree in a sync loop): the addon where it loads,
 * else one run of the perl server's own program with every request on its stdin (it answers
 * them in order and exits at EOF).
 */
export function readAllXattrsSync(paths: readonly SysPath[]): Map<string, Buffer>[] {
  const out = paths.map(() => new Map<string, Buffer>());
  if (paths.length === 0) return out;
  const addon = sysAddon();
  if (addon?.llistxattr) {
    paths.forEach((p, i) => {
      const list = addon.llistxattr!(p);
      if (typeof list === 'number') return;
      for (const name of splitNames(list)) {
        const v = addon.lgetxattr(p, name);
        if (typeof v !== 'number') out[i]!.set(name, v);
      }
    });
    return out;
  }
  const perl = perlPath();
  const nr = syscallNumbers(NAMES);
  if (!perl || !nr) throw new SysUnavailableError('reading xattrs');
  const run = (fields: Field[]) => {
    const text = execFileSync(perl, ['-e', SCRIPT, ...nr.map(String)], { input: encodeRequest(1, fields), env: {}, encoding: 'latin1', maxBuffer: 1 << 30 });
    return items(text.slice(text.indexOf(' ', text.indexOf(' ') + 1) + 1).trimEnd());
  };
  const asks: { path: SysPath; name: string; at: number }[] = [];
  for (const [i, hex] of run(['l', String(paths.length), ...paths])) {
    for (const name of splitNames(Buffer.from(hex, 'hex'))) asks.push({ path: paths[i]!, name, at: i });
  }
  if (asks.length === 0) return out;
  const fields: Field[] = ['g', String(asks.length)];
  for (const a of asks) fields.push(a.path, a.name);
  for (const [qi, hex] of run(fields)) out[asks[qi]!.at]!.set(asks[qi]!.name, Buffer.from(hex, 'hex'));
  return out;
}
