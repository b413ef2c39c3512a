/** Test helpers: real tar bytes from entry lists (the tar module's packer), temp dirs. */
import { packTar } from '../src/tar/index.js';
import { afterEach, beforeEach } from 'vitest';
import { openStore, type Store } from '@tsbuild/layerstore';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';

export interface TarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  content?: string | Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
  linkname?: string;
  mtime?: Date;
  devmajor?: number;
  devminor?: number;
  pax?: Record<string, string>;
}

export const T0 = new Date('2023-11-14T22:13:20Z');

export async function makeTar(entries: TarEntry[]): Promise<Buffer> {
  return packTar(entries.map((e) => {
    const type = e.type ?? 'file';
    const body = e.content === undefined ? undefined : Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content);
    return {
      header: {
        name: e.name,
        type,
        mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
        uid: e.uid ?? 0,
        gid: e.gid ?? 0,
        mtime: e.mtime ?? T0,
        linkname: e.linkname,
        devmajor: e.devmajor,
        devminor: e.devminor,
        pax: e.pax,
      },
      body: type === 'file' ? (body ?? Buffer.alloc(0)) : undefined,
    };
  }));
}

export function tarStream(buf: Buffer): Readable {
  return Readable.from([buf]);
}

/** A temp dir under /var/tmp (same filesystem as the stores; /tmp may be tmpfs). */
export function tempDir(prefix = 'ls-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(process.env.TSBUILD_TEST_TMP ?? '/var/tmp', prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A store in a fresh temp dir for each test of the calling file: `t.store` (closed and removed after the test). */
export function storeForEachTest(): { readonly store: Store; readonly dir: string } {
  let tmp: { dir: string; cleanup: () => void } | undefined;
  let store: Store | undefined;
  beforeEach(async () => {
    tmp = tempDir();
    store = await openStore(join(tmp.dir, 'root'));
  });
  afterEach(async () => {
    await store?.close();
    tmp?.cleanup();
  });
  return {
    get store() {
      return store!;
    },
    get dir() {
      return tmp!.dir;
    },
  };
}

export { tmpdir };
