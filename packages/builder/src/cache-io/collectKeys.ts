/**
 * Which cache records a build leaves for export. A step's `cacheKey` is the key of the filesystem
 * state after it (metadata steps repeat the previous key; the first steps after FROM may carry the
 * base's key, which has no record — such keys are dropped).
 *  - max: every step of every stage the build ran, target or not;
 *  - min: only the steps whose state is part of the final image: their record's layer chain is a
 *    prefix of the image's layers (this follows `FROM <stage>` chains and drops side stages).
 * With each exported step goes its position record (`index-…`, the inputs the step last ran with),
 * so a miss after import is explained as well as on the exporting machine. A step's position is
 * keyed by the state before it: the previous step's key (the FROM step's, when the solver sets it).
 */
import type { CacheRecord, LayerStore } from '@tsbuild/layerstore';
import { indexKey } from '../solve/missReason.js';
import type { BuildCacheSource, CacheMode } from './types.js';

export interface CollectedRecord { key: string; record: CacheRecord }

export async function collectKeys(store: LayerStore, opts: { result?: BuildCacheSource; keys?: string[]; mode: CacheMode }): Promise<CollectedRecord[]> {
  const steps = [...(opts.result?.steps ?? [])].sort((a, b) => a.stage - b.stage || a.index - b.index);
  // min mode keeps the final images' chains: every platform's of a multi-platform build
  const finalChains = opts.result ? (opts.result.platforms?.map((p) => p.image) ?? [opts.result.image]).map((img) => img.layers.map((l) => l.digest)) : undefined;
  const out: CollectedRecord[] = [];
  const seen = new Set<string>();
  const take = async (key: string | undefined, filter: boolean): Promise<boolean> => {
    if (!key) return false;
    if (seen.has(key)) return true;
    const record = await store.getCacheRecord(key);
    if (!record || !Array.isArray(record.layers) || record.layers.length === 0) return false;
    if (filter && opts.mode === 'min' && finalChains && !finalChains.some((c) => isPrefix(record.layers.map((l) => l.digest), c))) return false;
    seen.add(key);
    out.push({ key, record });
    return true;
  };

  for (const s of steps) {
    if (!(await take(s.cacheKey, true))) continue;
    const before = steps.find((p) => p.stage === s.stage && p.index === s.index - 1 && p.platform === s.platform)?.cacheKey;
    if (!before || before === s.cacheKey) continue; // metadata step, or parent state unknown
    const position = indexKey(before, `${s.stage}/${s.index}`);
    if (seen.has(position)) continue;
    const record = await store.getCacheRecord(position);
    if (record) {
      seen.add(position);
      out.push({ key: position, record });
    }
  }
  for (const k of opts.keys ?? []) await take(k, false);
  return out;
}

function isPrefix(chain: string[], of: string[]): boolean {
  return chain.length <= of.length && chain.every((d, i) => of[i] === d);
}
