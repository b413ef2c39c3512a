/**
 * A small push parser for tar (ustar, POSIX pax incl. binary SCHILY.xattr.*, GNU long
 * names/links, base-256 numbers). The extractor's hot path: it hands entries and body bytes
 * to a sink synchronously, awaiting only when the sink returns a promise, so extracting tens
 * of thousands of small files costs a few syscalls each and no per-entry stream objects.
 */
import { badArchive } from '../errors.js';

export type EntryType = 'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo' | 'contiguous-file' | 'other';

export interface TarHeader {
  name: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: Date;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** SCHILY.xattr.* as exact bytes */
  xattrs: Map<string, Buffer>;
}

export interface TarSink {
  entry(h: TarHeader): void | Promise<void>;
  data(chunk: Buffer): void;
  end(): void | Promise<void>;
}

const TYPES: Record<string, EntryType> = {
  '0': 'file', '\0': 'file', '1': 'link', '2': 'symlink', '3': 'character-device', '4': 'block-device', '5': 'directory', '6': 'fifo', '7': 'contiguous-file',
};

function cstr(b: Buffer, start: number, end: number): string {
  let e = start;
  while (e < end && b[e] !== 0) e++;
  return b.toString('utf8', start, e);
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

function checksumOk(b: Buffer, off: number): boolean {
  const want = num(b, off + 148, off + 156);
  let sum = 8 * 0x20;
  for (let i = off; i < off + 148; i++) sum += b[i]!;
  for (let i = off + 156; i < off + 512; i++) sum += b[i]!;
  return sum === want;
}

interface Pax { path?: string; linkpath?: string; size?: number; uid?: number; gid?: number; mtime?: number; xattrs: Map<string, Buffer> }

function parsePax(buf: Buffer, into: Pax): void {
  let off = 0;
  while (off < buf.length) {
    let sp = off;
    while (sp < buf.length && buf[sp] !== 0x20) sp++;
    const len = parseInt(buf.toString('latin1', off, sp), 10);
    if (!len || off + len > buf.length) break;
    const rec = buf.subarray(sp + 1, off + len - 1); // drop the trailing \n
    const eq = rec.indexOf(0x3d);
    if (eq > 0) {
      const key = rec.toString('utf8', 0, eq);
      const val = rec.subarray(eq + 1);
      if (key.startsWith('SCHILY.xattr.')) into.xattrs.set(key.slice(13), Buffer.from(val));
      else if (key === 'path') into.path = val.toString('utf8');
      else if (key === 'linkpath') into.linkpath = val.toString('utf8');
      else if (key === 'size') into.size = Number(val.toString('latin1'));
      else if (key === 'uid') into.uid = Number(val.toString('latin1'));
      else if (key === 'gid') into.gid = Number(val.toString('latin1'));
      else if (key === 'mtime') into.mtime = Number(val.toString('latin1'));
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
  private state: 'header' | 'body' | 'meta' | 'done' = 'header';
  private meta?: { kind: string; chunks: Buffer[]; size: number };
  private pax: Pax = { xattrs: new Map() };
  private global: Pax = { xattrs: new Map() };
  private longName?: string;
  private longLink?: string;
  private inBody = false;
  entries = 0;

  constructor(private readonly sink: TarSink) {}

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
          if (this.state === 'body') this.sink.data(part);
          else this.meta!.chunks.push(Buffer.from(part));
          this.remaining -= n;
          off += n;
          if (this.remaining > 0) break;
        }
        const skip = Math.min(this.padding, buf.length - off);
        this.padding -= skip;
        off += skip;
        if (this.padding > 0) break;
        if (this.state === 'body') {
          this.state = 'header';
          this.inBody = false;
          const r = this.sink.end();
          if (r) {
            this.pending = buf.subarray(off);
            await r;
            buf = this.pending;
            this.pending = Buffer.alloc(0);
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
      if (buf[h] === 0 && isZero(buf, h)) {
        this.state = 'done';
        return;
      }
      if (!checksumOk(buf, h)) throw badArchive('invalid tar header checksum (corrupt or not a tar)');
      const flag = String.fromCharCode(buf[h + 156]!);
      const size = this.pax.size ?? num(buf, h + 124, h + 136);
      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
        if (size > MAX_META) throw badArchive('tar metadata entry too large');
        this.meta = { kind: flag, chunks: [], size };
        this.state = 'meta';
        this.remaining = size;
        this.padding = (512 - (size % 512)) % 512;
        continue;
      }
      const header = this.header(buf, h, flag, size);
      this.entries++;
      this.state = 'body';
      this.inBody = true;
      // links and directories carry no body even if a size is recorded (hardlinks in some tars)
      const bodySize = header.type === 'file' || header.type === 'contiguous-file' || header.type === 'other' ? size : 0;
      this.remaining = bodySize;
      this.padding = (512 - (bodySize % 512)) % 512;
      const r = this.sink.entry(header);
      if (r) {
        this.pending = buf.subarray(off);
        await r;
        buf = this.pending;
        this.pending = Buffer.alloc(0);
        off = 0;
      }
    }
  }

  /** After the last chunk: a tar that stops mid-entry (or before its end marker with a partial header) is truncated. */
  finish(): void {
    if (this.state === 'done') return;
    if (this.state !== 'header' || this.pending.length > 0 || this.inBody) throw badArchive('unexpected end of tar data (truncated archive)');
  }

  private finishMeta(): void {
    const m = this.meta!;
    const data = Buffer.concat(m.chunks);
    if (m.kind === 'x') parsePax(data, this.pax);
    else if (m.kind === 'g') parsePax(data, this.global);
    else if (m.kind === 'L') this.longName = cstr(data, 0, data.length);
    else if (m.kind === 'K') this.longLink = cstr(data, 0, data.length);
    this.meta = undefined;
    this.state = 'header';
  }

  private header(b: Buffer, h: number, flag: string, size: number): TarHeader {
    const ustar = b.toString('latin1', h + 257, h + 263) === 'ustar\0';
    let name = cstr(b, h, h + 100);
    if (ustar) {
      const prefix = cstr(b, h + 345, h + 500);
      if (prefix) name = `${prefix}/${name}`;
    }
    let type: EntryType = TYPES[flag] ?? 'other';
    if (type === 'file' && name.endsWith('/')) type = 'directory';
    const pax = this.pax;
    const g = this.global;
    const mt = pax.mtime ?? g.mtime;
    const xattrs = g.xattrs.size ? new Map([...g.xattrs, ...pax.xattrs]) : pax.xattrs;
    const out: TarHeader = {
      name: pax.path ?? this.longName ?? name,
      type,
      mode: num(b, h + 100, h + 108),
      uid: pax.uid ?? g.uid ?? num(b, h + 108, h + 116),
      gid: pax.gid ?? g.gid ?? num(b, h + 116, h + 124),
      size,
      mtime: new Date(Math.floor((mt ?? num(b, h + 136, h + 148)) * 1000)),
      linkname: pax.linkpath ?? this.longLink ?? cstr(b, h + 157, h + 257),
      devmajor: ustar || b.toString('latin1', h + 257, h + 262) === 'ustar' ? num(b, h + 329, h + 337) : 0,
      devminor: ustar || b.toString('latin1', h + 257, h + 262) === 'ustar' ? num(b, h + 337, h + 345) : 0,
      xattrs,
    };
    this.pax = { xattrs: new Map() };
    this.longName = undefined;
    this.longLink = undefined;
    return out;
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
