/**
 * The tar header encoder: one 512-byte ustar block per entry, the exact bytes every tsbuild layer
 * has had (layer digests, and so cache hits and pinned digests, depend on them):
 *  - name split into prefix (≤155) + name (≤100) at the first '/' that makes the rest fit;
 *  - numeric fields as zero-padded octal + ' ' (6 digits for mode/ids/devices, 11 for size and
 *    mtime); an id past 6 octal digits is written as 777777 (callers put the real one in PAX)
 *  - a size past 11 octal digits (≥ 8 GiB) in GNU base-256 (0x80 marker, 11 big-endian bytes)
 *  - mtime as `seconds | 0` (callers put pre-1970 / post-2038 times in PAX and write 0 here)
 *  - magic "ustar\0" "00", uname/gname as given, checksum as 6 octal digits + ' ' + NUL
 * A header whose name or link target does not fit (non-ASCII name, no split, target > 100 bytes)
 * answers false/null; pack.ts then writes a PAX header (`PaxHeader`) first.
 */
import type { EntryType } from './types.js';

const ZEROS = '0000000000000000000';
const SEVENS = '7777777777777777777';
const MAGIC = Buffer.from('ustar\x0000', 'latin1');
const ASCII = /^[\x00-\x7f]*$/;
/** ustar fast path: also no NUL (a name with one is cut by any reader) */
const ASCII_NO_NUL = /^[\x01-\x7f]*$/;

/** Fields of one header block. `mtime` in whole seconds (written as `mtime | 0`). */
export interface HeaderFields {
  /** entry path as written (callers give directories their trailing '/') */
  name: string;
  type: EntryType | 'pax-header';
  /** permission bits incl. setuid/setgid/sticky (masked with 07777) */
  mode: number;
  uid: number;
  gid: number;
  /** body size; only files carry one (0 is written for other types by the packer) */
  size: number;
  mtime: number;
  linkname?: string;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
}

const TYPEFLAG: Record<string, number> = {
  file: 0x30, link: 0x31, symlink: 0x32, 'character-device': 0x33, 'block-device': 0x34, directory: 0x35, fifo: 0x36, 'contiguous-file': 0x37, 'pax-header': 0x78,
};

/** name → [prefix, name] when it fits the two ustar fields, else null (needs a PAX `path`) */
export function splitName(full: string, ascii = ASCII): [string, string] | null {
  if (!ascii.test(full)) return null;
  let name = full;
  let prefix = '';
  while (name.length > 100) {
    const i = name.indexOf('/');
    if (i === -1) return null;
    prefix += prefix ? '/' + name.slice(0, i) : name.slice(0, i);
    name = name.slice(i + 1);
  }
  return prefix.length > 155 ? null : [prefix, name];
}

/**
 * Write the header block into `buf` at `off` (512 bytes, overwritten entirely). False (nothing
 * written) when the name cannot be split into the ustar fields or the link target is over 100 bytes.
 */
export function encodeHeaderInto(h: HeaderFields, buf: Buffer, off: number): boolean {
  const parts = splitName(h.name);
  if (!parts) return false;
  if (h.linkname && Buffer.byteLength(h.linkname) > 100) return false;
  const [prefix, name] = parts;
  buf.fill(0, off, off + 512);
  buf.write(name, off, 'latin1');
  buf.write(oct(h.mode & 0o7777, 6), off + 100, 'latin1');
  buf.write(oct(h.uid, 6), off + 108, 'latin1');
  buf.write(oct(h.gid, 6), off + 116, 'latin1');
  if (h.size.toString(8).length > 11) base256(h.size, buf, off + 124);
  else buf.write(oct(h.size, 11), off + 124, 'latin1');
  buf.write(oct(h.mtime | 0, 11), off + 136, 'latin1');
  buf[off + 156] = TYPEFLAG[h.type] ?? 0x30;
  // a link target of at most 100 bytes goes in as UTF-8, whatever its characters
  if (h.linkname) buf.write(h.linkname, off + 157, 100, 'utf8');
  MAGIC.copy(buf, off + 257);
  if (h.uname) buf.write(h.uname, off + 265, 512 - 265, 'utf8');
  if (h.gname) buf.write(h.gname, off + 297, 512 - 297, 'utf8');
  buf.write(oct(h.devmajor || 0, 6), off + 329, 'latin1');
  buf.write(oct(h.devminor || 0, 6), off + 337, 'latin1');
  if (prefix) buf.write(prefix, off + 345, 'latin1');
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += buf[off + i]!;
  for (let i = 156; i < 512; i++) sum += buf[off + i]!;
  buf.write(oct(sum, 6), off + 148, 'latin1');
  return true;
}

/** The 512-byte header block, or null when the entry needs a PAX header (see encodeHeaderInto). */
export function encodeHeader(h: HeaderFields): Buffer | null {
  const buf = Buffer.allocUnsafe(512);
  return encodeHeaderInto(h, buf, 0) ? buf : null;
}

function oct(val: number, n: number): string {
  const s = val.toString(8);
  if (s.length > n) return SEVENS.slice(0, n) + ' ';
  return ZEROS.slice(0, n - s.length) + s + ' ';
}

/** GNU base-256: marker byte 0x80, then the value big-endian in the field's other 11 bytes */
function base256(num: number, buf: Buffer, off: number): void {
  buf[off] = 0x80;
  for (let i = 11; i > 0; i--) {
    buf[off + i] = num % 256;
    num = Math.floor(num / 256);
  }
}

// ---- the one-pass COPY's fast path: entries that need no PAX record at all ----

export type UstarType = 'file' | 'directory' | 'symlink';

/** The fields the fast path writes: a {@link HeaderFields} of a plain file, directory or symlink. */
export type UstarHeader = Pick<HeaderFields, 'name' | 'mode' | 'uid' | 'gid' | 'size' | 'mtime' | 'linkname'> & { type: UstarType };

/**
 * Whether a whole-second mtime goes into the ustar field as the layer writer writes it (1970 to
 * 2038); anything else gets a PAX `mtime` record there, so the fast path must not take it.
 */
export function fitsUstarMtime(sec: number): boolean {
  return sec >= 0 && sec <= 0x7fffffff;
}

/** Whether `name` (and `linkname`) fit a plain ustar header (no PAX record needed). */
export function fitsUstar(name: string, linkname?: string): boolean {
  return splitName(name, ASCII_NO_NUL) !== null && (linkname === undefined || (linkname.length <= 100 && ASCII_NO_NUL.test(linkname)));
}

/** The 512-byte header, or null when the entry needs a PAX record. */
export function ustarHeader(h: UstarHeader): Buffer | null {
  const buf = Buffer.alloc(512);
  return ustarHeaderInto(h, buf, 0) ? buf : null;
}

/**
 * Write the header into `buf` at `off` (512 bytes, overwritten entirely); false (nothing written)
 * when the entry needs a PAX record (non-ASCII or unsplittable name, long or non-ASCII target,
 * ids past 6 octal digits, size ≥ 8 GiB, mtime outside 1970..2038).
 */
export function ustarHeaderInto(h: UstarHeader, buf: Buffer, off: number): boolean {
  if (!fitsUstar(h.name, h.linkname)) return false;
  if (h.uid > 0o777777 || h.gid > 0o777777 || h.size.toString(8).length > 11) return false;
  if (!fitsUstarMtime(h.mtime)) return false;
  return encodeHeaderInto(h.type === 'file' || h.size === 0 ? h : { ...h, size: 0 }, buf, off);
}
