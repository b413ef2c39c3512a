/**
 * Which cache records a build leaves for export. A step's `cacheKey` is the key of the filesystem
 * state after it (metadata steps repeat the previous key; the first steps after FROM may carry the
 * base's key, which has no record — those are dropped by exportCache when no record is found).
 *  - max: every step of every stage the build ran, target or not;
 *  - min: only the steps whose state is part of the final image: their record's layer chain is a
 *    prefix of the image's layers (this follows `FROM <stage>` chains and drops side stages).
 */
import type { CacheRecord, LayerStore } from '@tsbuild/layerstore';
import type { BuildCacheSource, CacheMode } from './types.js';

export interface CollectedRecord { key: string; record: CacheRecord }

export async function collectKeys(store: LayerStore, opts: { result?: BuildCacheSource; keys?: string[]; mode: CacheMode }): Promise<CollectedRecord[]> {
  const keys: string[] = [];
  const seen = new Set<string>();
  const add = (k: string | undefined) => {
    if (k && !seen.has(k)) { seen.add(k); keys.push(k); }
  };
  const steps = [...(opts.result?.steps ?? [])].sort((a, b) => a.stage - b.stage || a.index - b.index);
  for (const s of steps) add(s.cacheKey);
  const explicit = new Set(opts.keys ?? []);
  for (const k of opts.keys ?? []) add(k);

  const finalChain = opts.result?.image.layers.map((l) => l.digest);
  const out: CollectedRecord[] = [];
  for (const key of keys) {
    const record = await store.getCacheRecord(key);
    if (!record || !Array.isArray(record.layers) || record.layers.length === 0) continue;
    if (opts.mode === 'min' && finalChain && !explicit.has(key) && !isPrefix(record.layers.map((l) => l.digest), finalChain)) continue;
    out.push({ key, record });
  }
  return out;
}

function isPrefix(chain: string[], of: string[]): boolean {
  return chain.length <= of.length && chain.every((d, i) => of[i] === d);
}
