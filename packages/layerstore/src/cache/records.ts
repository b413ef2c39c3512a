/** Build cache records: immutable, content addressed by sha256(key), written atomically. */
import { readFileSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { CacheRecord } from '../types.js';
import type { StorePaths } from '../paths.js';
import { atomicWriteFile, errno } from '../util/fs.js';

export function keyHex(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export async function putRecord(paths: StorePaths, record: CacheRecord): Promise<void> {
  // two writers of the same key write the same meaning; the last rename wins harmlessly
  await atomicWriteFile(paths.cacheRecord(keyHex(record.key)), JSON.stringify(record), paths.temp('cache'));
}

export async function getRecord(paths: StorePaths, key: string): Promise<CacheRecord | undefined> {
  try {
    // synchronous: a warm build reads one small record per step, each four thread-pool round trips async
    const rec = JSON.parse(readFileSync(paths.cacheRecord(keyHex(key)), 'utf8')) as CacheRecord;
    return rec.key === key ? rec : undefined;
  } catch (err) {
    if (errno(err) === 'ENOENT' || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

export async function listRecords(paths: StorePaths): Promise<{ file: string; record?: CacheRecord }[]> {
  let names: string[];
  try {
    names = await readdir(paths.cache);
  } catch {
    return [];
  }
  const out: { file: string; record?: CacheRecord }[] = [];
  for (const n of names.filter((f) => f.endsWith('.json'))) {
    const file = `${paths.cache}/${n}`;
    try {
      out.push({ file, record: JSON.parse(await readFile(file, 'utf8')) as CacheRecord });
    } catch {
      out.push({ file });
    }
  }
  return out;
}

export async function removeRecord(file: string): Promise<void> {
  await rm(file, { force: true }).catch((err) => {
    if (errno(err) !== 'ENOENT') throw err;
  });
}
