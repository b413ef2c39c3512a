/**
 * PAX extended headers (`<len> <key>=<value>\n` records). Values are bytes: a binary xattr such as
 * `security.capability`, or a name that is not UTF-8, goes in exactly (a text encoder would turn
 * such bytes into U+FFFD).
 */
import { encodeHeader } from './header.js';

/** The records of one PAX header; string values as UTF-8, Buffers as they are. */
export function encodePaxRecords(records: [string, string | Buffer][]): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of records) {
    const body = Buffer.concat([Buffer.from(` ${key}=`), typeof value === 'string' ? Buffer.from(value) : value, Buffer.from('\n')]);
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    parts.push(Buffer.from(String(len)), body);
  }
  return Buffer.concat(parts);
}

/**
 * A complete PAX extended-header entry ('x' header block named `PaxHeaders/entry` + records +
 * padding) as the layer writer puts it before an entry with binary or out-of-range metadata.
 */
export function paxEntry(records: [string, string | Buffer][], mtimeSec: number): Buffer {
  const data = encodePaxRecords(records);
  const h = Buffer.alloc(512);
  h.write('PaxHeaders/entry', 0, 'ascii');
  const oct = (n: number, width: number) => `${n.toString(8).padStart(width - 1, '0')}\0`;
  h.write(oct(0o644, 8), 100, 'ascii');
  h.write(oct(0, 8), 108, 'ascii');
  h.write(oct(0, 8), 116, 'ascii');
  h.write(oct(data.length, 12), 124, 'ascii');
  h.write(oct(Math.max(0, mtimeSec), 12), 136, 'ascii');
  h.write('x', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  const pad = (512 - (data.length % 512)) % 512;
  return Buffer.concat([h, data, Buffer.alloc(pad)]);
}

/**
 * The PAX record block the packer writes for an entry whose name or target does not fit ustar (or
 * that has extra records): `path`, `linkpath` (when there is a target), then `pax` in its order,
 * all as UTF-8 text.
 */
export function textPaxRecords(name: string, linkname: string | undefined, pax: Record<string, string> | undefined): Buffer {
  const records: [string, string][] = [['path', name]];
  if (linkname) records.push(['linkpath', linkname]);
  if (pax) for (const key in pax) records.push([key, String(pax[key])]);
  return encodePaxRecords(records);
}

export { encodeHeader };
