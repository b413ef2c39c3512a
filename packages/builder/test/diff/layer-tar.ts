/** Test helper: read a layer tar stream into a list of entries (headers + small contents). */
import type { Readable } from 'node:stream';
import { Readable as NodeReadable } from 'node:stream';
import { parseTar } from '@tsbuild/layerstore/tar';

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
  let parts: Buffer[] = [];
  await parseTar(NodeReadable.from([raw]), {
    entry: (h) => {
      parts = [];
      entries.push({
        name: h.name, type: h.type, mode: h.mode, uid: h.uid, gid: h.gid, uname: h.uname, gname: h.gname,
        mtime: Math.floor(h.mtime.getTime() / 1000), size: h.size, linkname: h.linkname || null,
        content: '',
      });
    },
    data: (c) => void parts.push(Buffer.from(c)),
    end: () => void (entries[entries.length - 1]!.content = Buffer.concat(parts).toString()),
  });
  return { entries, raw };
}
