/**
 * GNU sparse files in PAX form (GNU tar --sparse --format=posix, versions 0.0, 0.1 and 1.0), read
 * the way Go's archive/tar does (readGNUSparsePAXHeaders, sparseFileReader) — what Docker's ADD
 * and containerd read archives with: the entry gets its real name and size, and its body is the
 * whole file, holes as zeros. The archive stores only the data fragments (for 1.0 after a text map
 * of decimal numbers, padded to 512-byte blocks). The old GNU 'S' type is not handled here: Docker
 * cannot create it either ("unhandled tar header type 83").
 */
import { badArchive } from '../errors.js';

/** The GNU.sparse.* PAX records of one entry (0.0's repeated offset/numbytes joined as 0.1's map). */
export interface SparseRecords {
  major?: string;
  minor?: string;
  name?: string;
  size?: string;
  realsize?: string;
  map?: string;
  /** 0.0: GNU.sparse.offset / GNU.sparse.numbytes in the order met */
  pairs?: string[];
}

/** How an entry with these records is sparse, or undefined when it is not (Go's version switch). */
export function sparseFormat(r: SparseRecords | undefined): '0.x' | '1.0' | undefined {
  if (!r) return undefined;
  const { major, minor } = r;
  if (major === '0' && (minor === '0' || minor === '1')) return '0.x';
  if (major === '1' && minor === '0') return '1.0';
  if (major !== undefined || minor !== undefined) return undefined; // an unknown version: a plain file
  if (r.map || r.pairs?.length) return '0.x';
  return undefined;
}

/** The real size the records give (GNU.sparse.size, else realsize), if any. */
export function sparseRealSize(r: SparseRecords): number | undefined {
  const s = r.size ?? r.realsize;
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < 0) throw badArchive(`invalid GNU sparse size ${JSON.stringify(s)}`);
  return n;
}

type Emit = (chunk: Buffer) => void | Promise<void>;
const ZEROS = Buffer.alloc(64 * 1024);

/**
 * Turns the stored body of a sparse entry into the file's bytes, fed to `emit` in order: zeros for
 * the holes, the stored fragments in between, zeros up to the real size at the end.
 */
export class SparseExpander {
  private frags: [number, number][] | undefined;
  /** 1.0: the map text read so far (it lives in whole blocks at the start of the body) */
  private mapBuf = Buffer.alloc(0);
  private skipMap = 0;
  private frag = 0;
  private fragDone = 0;
  private pos = 0;

  constructor(records: SparseRecords, format: '0.x' | '1.0', private readonly realSize: number, private readonly emit: Emit) {
    if (format === '0.x') this.frags = pairsOf(records.map !== undefined ? records.map.split(',') : (records.pairs ?? []), realSize);
  }

  async data(part: Buffer): Promise<void> {
    let p = part;
    if (!this.frags) {
      this.mapBuf = Buffer.concat([this.mapBuf, p]);
      const parsed = parseMap1x0(this.mapBuf);
      if (!parsed) {
        if (this.mapBuf.length > 1 << 20) throw badArchive('GNU sparse map too large');
        return;
      }
      this.frags = pairsOf(parsed.values, this.realSize);
      const mapBytes = Math.ceil(parsed.consumed / 512) * 512;
      this.skipMap = mapBytes;
      p = this.mapBuf.subarray(0);
      this.mapBuf = Buffer.alloc(0);
    }
    if (this.skipMap > 0) {
      const n = Math.min(this.skipMap, p.length);
      this.skipMap -= n;
      p = p.subarray(n);
    }
    while (p.length > 0) {
      const f = this.frags[this.frag];
      if (!f) throw badArchive('GNU sparse file has more data than its map');
      const [off, len] = f;
      if (this.pos < off) await this.zeros(off - this.pos);
      const n = Math.min(len - this.fragDone, p.length);
      if (n > 0) await this.emit(p.subarray(0, n));
      this.pos += n;
      this.fragDone += n;
      p = p.subarray(n);
      if (this.fragDone === len) { this.frag++; this.fragDone = 0; }
    }
  }

  /** After the stored body: the holes after the last fragment. */
  async end(): Promise<void> {
    if (!this.frags) throw badArchive('GNU sparse file ends inside its map');
    // fragments of length 0 (a file ending in a hole) need no data
    while (this.frags[this.frag] && this.frags[this.frag]![1] === this.fragDone) { this.frag++; this.fragDone = 0; }
    if (this.frag < this.frags.length) throw badArchive('GNU sparse file has less data than its map');
    await this.zeros(this.realSize - this.pos);
  }

  private async zeros(n: number): Promise<void> {
    while (n > 0) {
      const k = Math.min(n, ZEROS.length);
      await this.emit(ZEROS.subarray(0, k));
      this.pos += k;
      n -= k;
    }
  }
}

/** offset,length pairs, sorted, not overlapping, inside the file (Go's validateSparseEntries). */
function pairsOf(values: string[], size: number): [number, number][] {
  if (values.length % 2 !== 0) throw badArchive('GNU sparse map has an odd number of values');
  const out: [number, number][] = [];
  let end = 0;
  for (let i = 0; i < values.length; i += 2) {
    const off = Number(values[i]);
    const len = Number(values[i + 1]);
    if (!Number.isSafeInteger(off) || !Number.isSafeInteger(len) || off < end || len < 0 || off + len > size) throw badArchive('invalid GNU sparse map');
    out.push([off, len]);
    end = off + len;
  }
  return out;
}

/** 1.0's map: newline-terminated decimals, the count then 2×count values; undefined until all are in. */
function parseMap1x0(buf: Buffer): { values: string[]; consumed: number } | undefined {
  const nums: string[] = [];
  let start = 0;
  let want = -1;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] !== 0x0a) continue;
    const s = buf.toString('latin1', start, i);
    if (!/^\d+$/.test(s)) throw badArchive('invalid GNU sparse map');
    start = i + 1;
    if (want < 0) want = Number(s) * 2;
    else nums.push(s);
    if (nums.length === want) return { values: nums, consumed: start };
  }
  return undefined;
}
