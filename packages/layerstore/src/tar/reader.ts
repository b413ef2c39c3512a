/**
 * A small push parser for tar (ustar, POSIX pax incl. binary SCHILY.xattr.*, GNU long
 * names/links, base-256 numbers). The extractor's hot path: it hands entries and body bytes
 * to a sink synchronously, awaiting only when the sink returns a promise, so extracting tens
 * of thousands of small files costs a few syscalls each and no per-entry stream objects.
 */
import { decodeName } from '../util/bytesName.js';
import { badArchive } from '../errors.js';
import type { EntryType, TarHeader } from './types.js';
import { SparseExpander, sparseFormat, sparseRealSize, type SparseRecords } from './sparse.js';

export type { EntryType, TarHeader };

/** `data` may answer a promise (its consumer is behind): the parser waits for it before going on. */
export interface TarSink {
  entry(h: TarHeader): void | Promise<void>;
  data(chunk: Buffer): void | Promise<void>;
  end(): void | Promise<void>;
}

const TYPES: Record<string, EntryType> = {
  '0': 'file', '\0': 'file', '1': 'link', '2': 'symlink', '3': 'character-device', '4': 'block-device', '5': 'directory', '6': 'fifo', '7': 'contiguous-file',
};

function cstr(b: Buffer, start: number, end: number): string {
  let e = start;
  while (e < end && b[e] !== 0) e++;
  return decodeName(b, start, e); // names are bytes (util/bytesName.ts)
}

function num(b: Buffer, start: number, end: number): number {
  if (b[start]! & 0x80) {
    // base-256 (GNU): big-endian two's complement, first byte's high bit is the marker
    let v = b[start]! & 0x7f;
    for (let i = start + 1; i < end; i++) v = v * 256 + b[i]!;
    return v;
  }
  let i = start;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  let v = 0;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) throw badArchive('invalid number in tar header');
    v = v * 8 + (c - 0x30);
  }
  return v;
}

/** Unsigned or signed byte sum, either accepted as Go's reader does (old Sun/GNU tars summed signed bytes). */
function checksumOk(b: Buffer, off: number): boolean {
  const want = num(b, off + 148, off + 156);
  let sum = 8 * 0x20;
  for (let i = off; i < off + 148; i++) sum += b[i]!;
  for (let i = off + 156; i < off + 512; i++) sum += b[i]!;
  if (sum === want) return true;
  let high = 0; // bytes >= 0x80: each counts 256 less when summed signed
  for (let i = off; i < off + 512; i++) if (b[i]! & 0x80 && (i < off + 148 || i >= off + 156)) high++;
  return sum - 256 * high === want;
}

/** `mtimeMs`: the pax mtime (decimal seconds) in whole milliseconds, rounded down */
interface Pax { path?: string; linkpath?: string; size?: number; uid?: number; gid?: number; uname?: string; gname?: string; mtimeMs?: number; mtime?: string; xattrs: Map<string, Buffer>; sparse?: SparseRecords }

/**
 * Decimal seconds → whole milliseconds, rounded down, exactly: `Math.floor(Number(s) * 1000)`
 * is off by one for many values (1795623593.54 * 1000 = 1795623593539.9998).
 */
export function paxTimeToMs(s: string): number {
  const neg = s.charCodeAt(0) === 0x2d;
  let i = neg ? 1 : 0;
  let sec = 0;
  const start = i;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) break;
    sec = sec * 10 + c;
  }
  let ms = 0;
  let rest = false;
  if (i < s.length && s.charCodeAt(i) === 0x2e) {
    for (let k = 0, j = i + 1; j < s.length; j++, k++) {
      const c = s.charCodeAt(j) - 0x30;
      if (c < 0 || c > 9) return Math.floor(Number(s) * 1000);
      if (k < 3) ms = ms * 10 + c;
      else if (c) rest = true;
      i = j;
    }
    const digits = s.length - (s.indexOf('.') + 1);
    for (let k = digits; k < 3; k++) ms *= 10;
    i = s.length;
  }
  if (i !== s.length || i === start || (s.charCodeAt(start) === 0x2e)) return Math.floor(Number(s) * 1000);
  const total = sec * 1000 + ms;
  if (!neg) return total;
  return rest ? -total - 1 : -total;
}

/** keys we use, as bytes; records with other keys (atime, ctime, ...) are skipped without decoding them */
const PAX_KEYS = ['path', 'linkpath', 'size', 'uid', 'gid', 'mtime', 'uname', 'gname'].map((k) => Buffer.from(k));
const XATTR = Buffer.from('SCHILY.xattr.');
const GNU_SPARSE = Buffer.from('GNU.sparse.');

/** A GNU.sparse.* record (PAX sparse files, see sparse.ts). */
function sparseRecord(into: Pax, key: string, value: string): void {
  const r = (into.sparse ??= {});
  if (key === 'offset' || key === 'numbytes') (r.pairs ??= []).push(value);
  else if (key === 'major' || key === 'minor' || key === 'name' || key === 'size' || key === 'realsize' || key === 'map') r[key] = value;
}

function keyIs(buf: Buffer, start: number, end: number, key: Buffer): boolean {
  if (end - start !== key.length) return false;
  for (let i = 0; i < key.length; i++) if (buf[start + i] !== key[i]) return false;
  return true;
}

/** Records `LEN KEY=VALUE\n` of buf[start, end). */
function parsePax(buf: Buffer, into: Pax, start = 0, end = buf.length): void {
  let off = start;
  while (off < end) {
    let len = 0;
    let digits = true;
    let sp = off;
    for (; sp < end; sp++) {
      const c = buf[sp]!;
      if (c === 0x20) break;
      if (c < 0x30 || c > 0x39) digits = false;
      else len = len * 10 + (c - 0x30);
    }
    if (!digits) len = parseInt(buf.toString('latin1', off, sp), 10);
    if (!(len > 0) || off + len > end) break;
    const recEnd = off + len - 1; // drop the trailing \n
    const k0 = sp + 1;
    let eq = k0;
    while (eq < recEnd && buf[eq] !== 0x3d) eq++;
    if (eq > k0 && eq < recEnd) {
      const v0 = eq + 1;
      if (eq - k0 >= XATTR.length && keyIs(buf, k0, k0 + XATTR.length, XATTR)) into.xattrs.set(buf.toString('utf8', k0 + XATTR.length, eq), Buffer.from(buf.subarray(v0, recEnd)));
      else if (keyIs(buf, k0, eq, PAX_KEYS[0]!)) into.path = decodeName(buf, v0, recEnd);
      else if (keyIs(buf, k0, eq, PAX_KEYS[1]!)) into.linkpath = decodeName(buf, v0, recEnd);
      else if (keyIs(buf, k0, eq, PAX_KEYS[2]!)) into.size = Number(buf.toString('latin1', v0, recEnd));
      else if (keyIs(buf, k0, eq, PAX_KEYS[3]!)) into.uid = Number(buf.toString('latin1', v0, recEnd));
      else if (keyIs(buf, k0, eq, PAX_KEYS[4]!)) into.gid = Number(buf.toString('latin1', v0, recEnd));
      else if (keyIs(buf, k0, eq, PAX_KEYS[5]!)) {
        into.mtime = buf.toString('latin1', v0, recEnd);
        into.mtimeMs = paxTimeToMs(into.mtime);
      } else if (keyIs(buf, k0, eq, PAX_KEYS[6]!)) into.uname = buf.toString('utf8', v0, recEnd);
      else if (keyIs(buf, k0, eq, PAX_KEYS[7]!)) into.gname = buf.toString('utf8', v0, recEnd);
      else if (eq - k0 > GNU_SPARSE.length && keyIs(buf, k0, k0 + GNU_SPARSE.length, GNU_SPARSE)) sparseRecord(into, buf.toString('latin1', k0 + GNU_SPARSE.length, eq), buf.toString('utf8', v0, recEnd));
    }
    off += len;
  }
}

const MAX_META = 1 << 20;

export class TarParser {
  private pending: Buffer = Buffer.alloc(0);
  /** bytes of the current entry body still to come, then padding */
  private remaining = 0;
  private padding = 0;
  /** `zero`: one zero block seen; Go's tar.Reader (BuildKit's untar) then wants a second one, or the end */
  private state: 'header' | 'body' | 'meta' | 'zero' | 'done' = 'header';
  private meta?: { kind: string; chunks: Buffer[]; size: number };
  private pax: Pax = { xattrs: new Map() };
  private longName?: string;
  private longLink?: string;
  private inBody = false;
  /** the current entry is a PAX sparse file: its stored body goes through this */
  private sparse?: SparseExpander;
  private readonly unames = new LastName();
  private readonly gnames = new LastName();
  entries = 0;

  constructor(private readonly sink: TarSink) {}

  /**
   * Wait for the sink (it applies backpressure by returning a promise) with the unparsed rest of
   * this chunk kept as `pending`, where end() sees it; returns what is pending then, to go on with.
   */
  private async hold(r: Promise<void>, rest: Buffer): Promise<Buffer> {
    this.pending = rest;
    await r;
    const buf = this.pending;
    this.pending = Buffer.alloc(0);
    return buf;
  }

  async write(chunk: Buffer): Promise<void> {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    let off = 0;
    while (off < buf.length) {
      if (this.state === 'done') return;
      if (this.state === 'body' || this.state === 'meta') {
        if (this.remaining > 0) {
          const n = Math.min(this.remaining, buf.length - off);
          const part = buf.subarray(off, off + n);
          this.remaining -= n;
          off += n;
          if (this.state === 'meta') this.meta!.chunks.push(Buffer.from(part));
          else {
            const r = this.sparse ? this.sparse.data(part) : this.sink.data(part);
            if (r) {
              // the consumer may hold `part` until it resolves: keep the rest apart from it
              buf = await this.hold(r, buf.subarray(off));
              off = 0;
            }
          }
          if (this.remaining > 0) break;
        }
        const skip = Math.min(this.padding, buf.length - off);
        this.padding -= skip;
        off += skip;
        if (this.padding > 0) break;
        if (this.state === 'body') {
          this.state = 'header';
          this.inBody = false;
          const sp = this.sparse;
          this.sparse = undefined;
          const r = sp ? sp.end().then(() => this.sink.end()) : this.sink.end();
          if (r) {
            buf = await this.hold(r, buf.subarray(off));
            off = 0;
          }
        } else this.finishMeta();
        continue;
      }
      // header
      if (buf.length - off < 512) {
        this.pending = Buffer.from(buf.subarray(off));
        return;
      }
      const h = off;
      off += 512;
      if (this.state === 'zero') {
        // as Go's readHeader: a zero block after the first ends the archive, anything else is ErrHeader
        if (buf[h] === 0 && isZero(buf, h)) { this.state = 'done'; return; }
        throw badArchive('invalid tar header (a zero block followed by data)');
      }
      if (buf[h] === 0 && isZero(buf, h)) {
        this.state = 'zero';
        continue;
      }
      if (!checksumOk(buf, h)) throw badArchive('invalid tar header checksum (corrupt or not a tar)');
      const flag = String.fromCharCode(buf[h + 156]!);
      const size = this.pax.size ?? num(buf, h + 124, h + 136);
      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
        if (size > MAX_META) throw badArchive('tar metadata entry too large');
        const padding = (512 - (size % 512)) % 512;
        if (buf.length - off >= size + padding) {
          // all here (the common case): read it in place, no copy
          this.applyMeta(flag, buf, off, off + size);
          off += size + padding;
          continue;
        }
        this.meta = { kind: flag, chunks: [], size };
        this.state = 'meta';
        this.remaining = size;
        this.padding = padding;
        continue;
      }
      const sparseRecs = this.pax.sparse;
      const header = this.header(buf, h, flag, size);
      const sf = header.type === 'file' ? sparseFormat(sparseRecs) : undefined;
      if (sf) {
        // as Go's readGNUSparsePAXHeaders: the real name and size; the body expands to the whole file
        const real = sparseRealSize(sparseRecs!) ?? size;
        if (sparseRecs!.name) header.name = sparseRecs!.name;
        header.size = real;
        this.sparse = new SparseExpander(sparseRecs!, sf, real, (c) => this.sink.data(c));
      }
      this.entries++;
      this.state = 'body';
      this.inBody = true;
      // links and directories carry no body even if a size is recorded (hardlinks in some tars)
      const bodySize = header.type === 'file' || header.type === 'contiguous-file' || header.type === 'other' ? size : 0;
      this.remaining = bodySize;
      this.padding = (512 - (bodySize % 512)) % 512;
      const r = this.sink.entry(header);
      if (r) {
        buf = await this.hold(r, buf.subarray(off));
        off = 0;
      }
    }
  }

  /**
   * After the last chunk: a tar that stops mid-entry or with a partial block is truncated (Go's
   * io.ErrUnexpectedEOF, which fails BuildKit's ADD: "Error processing tar file…: unexpected EOF") —
   * also a partial second end-of-archive block; ending after whole blocks (none or one zero block) is fine.
   */
  finish(): void {
    if (this.state === 'done') return;
    if ((this.state !== 'header' && this.state !== 'zero') || this.pending.length > 0 || this.inBody) throw badArchive('unexpected end of tar data (truncated archive)');
  }

  private finishMeta(): void {
    const m = this.meta!;
    const data = Buffer.concat(m.chunks);
    this.applyMeta(m.kind, data, 0, data.length);
    this.meta = undefined;
    this.state = 'header';
  }

  private applyMeta(kind: string, data: Buffer, start: number, end: number): void {
    if (kind === 'x') parsePax(data, this.pax, start, end);
    // 'g' (PAX global header): ignored. Go's tar.Reader hands it out as an entry of its own and merges
    // none of its records into later headers; Docker's createTarFile then skips it
    else if (kind === 'L') this.longName = cstr(data, start, end);
    else if (kind === 'K') this.longLink = cstr(data, start, end);
  }

  private header(b: Buffer, h: number, flag: string, size: number): TarHeader {
    // magic 'ustar\0' (POSIX) or 'ustar ' (GNU); device numbers are in both
    const magic5 = b[h + 257] === 0x75 && b[h + 258] === 0x73 && b[h + 259] === 0x74 && b[h + 260] === 0x61 && b[h + 261] === 0x72;
    const ustar = magic5 && b[h + 262] === 0;
    let name = cstr(b, h, h + 100);
    if (ustar) {
      const prefix = cstr(b, h + 345, h + 500);
      if (prefix) name = `${prefix}/${name}`;
    }
    let type: EntryType = TYPES[flag] ?? 'other';
    // Go's tar.Reader (what Docker and BuildKit read with): only the legacy V7 regular type '\0' is
    // a directory when its name ends in '/'; a '0' entry named so stays a file
    if (flag === '\0' && name.endsWith('/')) type = 'directory';
    const pax = this.pax;
    const mtMs = pax.mtimeMs;
    const paxMtime = pax.mtime;
    const xattrs = pax.xattrs;
    const out: TarHeader = {
      // a GNU long name/link beats the PAX record, as in Go's Reader.next (applied after mergePAX)
      name: this.longName ?? pax.path ?? name,
      type,
      typeflag: flag,
      mode: num(b, h + 100, h + 108),
      uid: pax.uid ?? num(b, h + 108, h + 116),
      gid: pax.gid ?? num(b, h + 116, h + 124),
      uname: pax.uname ?? this.unames.get(b, h + 265, h + 297),
      gname: pax.gname ?? this.gnames.get(b, h + 297, h + 329),
      size,
      mtime: new Date(mtMs ?? num(b, h + 136, h + 148) * 1000),
      paxMtime,
      linkname: this.longLink ?? pax.linkpath ?? cstr(b, h + 157, h + 257),
      devmajor: magic5 ? num(b, h + 329, h + 337) : 0,
      devminor: magic5 ? num(b, h + 337, h + 345) : 0,
      xattrs,
    };
    this.pax = { xattrs: new Map() };
    this.longName = undefined;
    this.longLink = undefined;
    return out;
  }
}

/**
 * A NUL-terminated user/group name field, decoded once per distinct value: a layer repeats one or
 * two names in every header, and a string per field per entry was a tenth of the parse time.
 */
class LastName {
  private bytes = Buffer.alloc(0);
  private text = '';

  get(b: Buffer, start: number, end: number): string {
    let e = start;
    while (e < end && b[e] !== 0) e++;
    const n = e - start;
    if (n === this.bytes.length) {
      let same = true;
      for (let i = 0; i < n; i++) if (b[start + i] !== this.bytes[i]) { same = false; break; }
      if (same) return this.text;
    }
    this.bytes = Buffer.from(b.subarray(start, e));
    this.text = decodeName(b, start, e);
    return this.text;
  }
}

function isZero(b: Buffer, off: number): boolean {
  for (let i = off; i < off + 512; i++) if (b[i] !== 0) return false;
  return true;
}

/** Feed a whole stream through a parser. */
export async function parseTar(src: AsyncIterable<Buffer>, sink: TarSink): Promise<number> {
  const p = new TarParser(sink);
  for await (const chunk of src) await p.write(chunk);
  p.finish();
  return p.entries;
}
