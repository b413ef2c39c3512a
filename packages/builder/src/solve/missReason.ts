/**
 * Why a step missed the cache: compare its named inputs with those recorded the last time a step
 * ran at the same position (same parent state, same stage/instruction index).
 */
import type { LayerStore } from '@tsbuild/layerstore';
import { cacheKey } from './cacheKey.js';

/** Ordered named inputs: `instruction` first, then e.g. `ARG VERSION`, `ENV PATH`, `file src/app.ts`. */
export type StepInputs = [name: string, value: string][];

export function indexKey(parent: string, position: string): string {
  return `index-${cacheKey({ parent, op: 'INDEX', instruction: position }).slice('sha256:'.length)}`;
}

/** The reason given for a step with no earlier build at its position (nothing to compare with). */
export const NO_EARLIER_BUILD = 'no earlier build of this step';

/**
 * Whether a miss reason is worth showing next to the step: it ran although an earlier build of it
 * exists. A first build, or a record that no longer explains anything, says nothing useful.
 */
export function isExplainedMiss(reason: string | undefined): reason is string {
  return reason !== undefined && reason !== NO_EARLIER_BUILD && reason !== 'cache record missing';
}

export async function explainMiss(store: LayerStore, position: string, inputs: StepInputs): Promise<string> {
  const prev = await store.getCacheRecord(position).catch(() => undefined);
  const old = prev?.inputs as StepInputs | undefined;
  if (!Array.isArray(old)) return NO_EARLIER_BUILD;
  return firstChange(old, inputs) ?? 'cache record missing';
}

/** The first input that differs, phrased for people (`ARG VERSION changed`, `src/app.ts added`). */
export function firstChange(old: StepInputs, now: StepInputs): string | undefined {
  const before = new Map(old);
  const after = new Map(now);
  const label = now.find(([n]) => n === 'instruction')?.[1] ?? '';
  for (const [name, value] of now) {
    if (!before.has(name)) return describe(name, 'added', label);
    if (before.get(name) !== value) return describe(name, 'changed', label);
  }
  for (const [name] of old) if (!after.has(name)) return describe(name, 'removed', label);
  return undefined;
}

function describe(name: string, what: string, instruction: string): string {
  if (name === 'instruction') return 'instruction changed';
  if (name.startsWith('file ')) return `${shortInstruction(instruction)}: ${name.slice(5)} ${what}`;
  return `${name} ${what}`;
}

function shortInstruction(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
