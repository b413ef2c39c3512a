/**
 * ADD <url> records: what a URL last answered (its content's digest on the blob store and the
 * validators to revalidate it with), one small JSON file per URL named by sha256(url). Like build
 * cache records they keep their blob from a plain prune and go with `prune --all`.
 */
import { readFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { UrlRecord } from '../types.js';
import type { StorePaths } from '../paths.js';
import { atomicWriteFile, errno } from '../util/fs.js';

export async function putUrlRecord(paths: StorePaths, record: UrlRecord): Promise<void> {
  await atomicWriteFile(paths.urlRecord(record.url), JSON.stringify(record), paths.temp('url'));
}

export function getUrlRecord(paths: StorePaths, url: string): UrlRecord | undefined {
  try {
    const rec = JSON.parse(readFileSync(paths.urlRecord(url), 'utf8')) as UrlRecord;
    return rec.url === url ? rec : undefined;
  } catch (err) {
    if (errno(err) === 'ENOENT' || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/** every record file, parsed where it parses */
export async function listUrlRecords(paths: StorePaths): Promise<{ file: string; name: string; record?: UrlRecord }[]> {
  const names = await readdir(paths.urlCache).catch(() => [] as string[]);
  return names.map((name) => {
    const file = join(paths.urlCache, name);
    try {
      return { file, name, record: JSON.parse(readFileSync(file, 'utf8')) as UrlRecord };
    } catch {
      return { file, name };
    }
  });
}

export async function removeUrlRecord(file: string): Promise<void> {
  await rm(file, { force: true });
}
