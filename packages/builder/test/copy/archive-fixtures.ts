/**
 * Archives for ADD's extraction tests (unit and end-to-end): one made by GNU tar with --xattrs,
 * one PAX tar made record by record with the cases a ustar header cannot hold.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packTar, paxEntry } from '@tsbuild/layerstore/tar';

/** cap_net_raw+ep as `setcap` writes it (VFS_CAP_REVISION_2) */
export const CAP_NET_RAW = Buffer.from('0100000200200000000000000000000000000000', 'hex');
/** a sub-second mtime GNU tar records in PAX (posix format) */
export const SUBSEC = '2021-01-02 03:04:05.123456789';
export const SUBSEC_NS = 1609556645123456789n;

/**
 * GNU tar --format=posix --xattrs: `x/cap` (security.capability cap_net_raw+ep, user.note=hello,
 * mode 0750, 1001:1002, sub-second mtime), `x/plain`.
 */
export function gnuXattrTar(work: string, out: string): void {
  const src = join(work, 'gnu-src');
  mkdirSync(join(src, 'x'), { recursive: true });
  writeFileSync(join(src, 'x/cap'), 'capable\n');
  writeFileSync(join(src, 'x/plain'), 'plain\n');
  execFileSync('chmod', ['0750', join(src, 'x/cap')]);
  execFileSync('chown', ['1001:1002', join(src, 'x/cap')]);
  execFileSync('setfattr', ['-n', 'user.note', '-v', 'hello', join(src, 'x/cap')]);
  execFileSync('setcap', ['cap_net_raw+ep', join(src, 'x/cap')]);
  execFileSync('touch', ['-d', SUBSEC, join(src, 'x/cap')]);
  execFileSync('tar', ['--format=posix', '--xattrs', '--xattrs-include=*', '--numeric-owner', '-C', src, '-cf', out, 'x'], { env: { ...process.env, TZ: 'UTC' } });
}

export const LONG_NAME = `deep/${'d'.repeat(100)}/${'e'.repeat(100)}/${'f'.repeat(80)}.txt`;
export const BIG_UID = 3_000_000;
export const FF_NAME = Buffer.from('caf\xe9-\xff.bin', 'latin1');
export const T = 1_700_000_000;

/**
 * PAX: a name past 255 bytes, uid/gid past 2097151 (7 octal digits), a name with \xe9 and \xff as
 * bytes (not UTF-8), a hard link to the long name, a symlink with a 150-byte target.
 */
export function paxEdgeTar(): Buffer {
  const head = packTar([
    { header: { name: 'deep/', type: 'directory', mode: 0o755, mtime: T } },
    { header: { name: LONG_NAME, mode: 0o604, uid: BIG_UID, gid: BIG_UID + 1, mtime: T, pax: { uid: String(BIG_UID), gid: String(BIG_UID + 1) } }, body: 'long\n' },
    // a hard link's header carries the inode's metadata (Docker's Untar applies it to the inode too)
    { header: { name: 'hard', type: 'link', linkname: LONG_NAME, mode: 0o604, uid: BIG_UID, gid: BIG_UID + 1, mtime: T, pax: { uid: String(BIG_UID), gid: String(BIG_UID + 1) } } },
    { header: { name: 'sym', type: 'symlink', linkname: `/${'s'.repeat(149)}`, mtime: T } },
  ]);
  // the \xff name: a binary PAX path record, then a header with an ASCII stand-in
  const ff = Buffer.concat([
    paxEntry([['path', FF_NAME]], T),
    packTar([{ header: { name: 'stand-in', mode: 0o600, uid: 5, gid: 6, mtime: T }, body: 'ff\n' }]),
  ]);
  // drop the end-of-archive blocks of the first part
  return Buffer.concat([head.subarray(0, head.length - 1024), ff]);
}
