/** Test helper: read a layer tar stream into a list of entries (headers + small contents). */
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';

export interface TarEntry {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
  size: number;
  linkname: string | null;
  content: string;
}

export async function readLayer(stream: Readable): Promise<{ entries: TarEntry[]; raw: Buffer }> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  const entries: TarEntry[] = [];
  const ex = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (h, s, next) => {
      const parts: Buffer[] = [];
      s.on('data', (d: unknown) => parts.push(d as Buffer));
      s.on('end', () => {
        entries.push({
          name: h.name, type: h.type, mode: h.mode, uid: h.uid, gid: h.gid, uname: h.uname, gname: h.gname,
          mtime: Math.floor(h.mtime.getTime() / 1000), size: h.size, linkname: h.linkname ?? null,
          content: Buffer.concat(parts).toString(),
        });
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  ex.end(raw);
  await done;
  return { entries, raw };
}
