/**
 * Synchronous ustar header encoding, byte for byte what emit.ts gets from tar-stream for an entry
 * that needs no PAX record (ASCII name that fits name+prefix, ASCII link target of at most 100
 * bytes, ids and sizes within octal range), so a layer written through either is the same. Answers
 * null for anything else: the caller then takes the tar-stream path.
 */
const ZEROS = '0000000000000000000';
const SEVENS = '7777777777777777777';
const MAGIC = Buffer.from('ustar\x0000', 'latin1');
const ASCII = /^[\x01-\x7f]*$/;

export type UstarType = 'file' | 'directory' | 'symlink';

export interface UstarHeader {
  /** entry path; directories with their trailing '/' */
  name: string;
  type: UstarType;
  /** permission bits incl. setuid/setgid/sticky */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** whole seconds */
  mtime: number;
  linkname?: string;
}

const TYPEFLAG: Record<UstarType, number> = { file: 0x30, symlink: 0x32, directory: 0x35 };

/**
 * Whether a whole-second mtime goes into the ustar field as emit.ts writes it (tar-stream: 1970 to
 * 2038); anything else gets a PAX `mtime` record there, so the fast path must not take it.
 */
export function fitsUstarMtime(sec: number): boolean {
  return sec >= 0 && sec <= 0x7fffffff;
}

/** Whether `name` (and `linkname`) fit a plain ustar header (no PAX record needed). */
export function fitsUstar(name: string, linkname?: string): boolean {
  return split(name) !== null && (linkname === undefined || (linkname.length <= 100 && ASCII.test(linkname)));
}

/** name → [prefix, name] as tar-stream splits it, or null when it needs PAX */
function split(full: string): [string, string] | null {
  if (!ASCII.test(full)) return null;
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

/** The 512-byte header, or null when the entry needs a PAX record. */
export function ustarHeader(h: UstarHeader): Buffer | null {
  const buf = Buffer.alloc(512);
  return ustarHeaderInto(h, buf, 0) ? buf : null;
}

/**
 * Write the header into `buf` at `off` (512 bytes, overwritten entirely); false (nothing written)
 * when the entry needs a PAX record.
 */
export function ustarHeaderInto(h: UstarHeader, buf: Buffer, off: number): boolean {
  if (!fitsUstar(h.name, h.linkname)) return false;
  if (h.uid > 0o777777 || h.gid > 0o777777 || h.size.toString(8).length > 11) return false;
  // before 1970 or from 2038: a PAX mtime record (emit.ts), not an invalid octal field
  if (!fitsUstarMtime(h.mtime)) return false;
  const [prefix, name] = split(h.name)!;
  buf.fill(0, off, off + 512);
  buf.write(name, off, 'latin1');
  buf.write(oct(h.mode & 0o7777, 6), off + 100, 'latin1');
  buf.write(oct(h.uid, 6), off + 108, 'latin1');
  buf.write(oct(h.gid, 6), off + 116, 'latin1');
  buf.write(oct(h.type === 'file' ? h.size : 0, 11), off + 124, 'latin1');
  buf.write(oct(h.mtime | 0, 11), off + 136, 'latin1');
  buf[off + 156] = TYPEFLAG[h.type];
  if (h.linkname) buf.write(h.linkname, off + 157, 'latin1');
  MAGIC.copy(buf, off + 257);
  buf.write(oct(0, 6), off + 329, 'latin1');
  buf.write(oct(0, 6), off + 337, 'latin1');
  if (prefix) buf.write(prefix, off + 345, 'latin1');
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += buf[off + i]!;
  for (let i = 156; i < 512; i++) sum += buf[off + i]!;
  buf.write(oct(sum, 6), off + 148, 'latin1');
  return true;
}

function oct(val: number, n: number): string {
  const s = val.toString(8);
  if (s.length > n) return SEVENS.slice(0, n) + ' ';
  return ZEROS.slice(0, n - s.length) + s + ' ';
}
