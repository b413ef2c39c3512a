/**
 * Context checksums started at the beginning of a build, for every COPY/ADD from the context whose
 * words need no expansion, so a changed file is found — and hashed, and its capabilities read
 * through @tsbuild/sys (without the addon its perl server, whose process start is dear on small
 * VMs) — while the earlier steps' cache lookups run, not when its step comes. Each step still awaits its own checksum (the
 * same promise: loadContextSource keeps one per selection), so results and errors are unchanged.
 */
import type { Dockerfile, StageGraph } from '@tsbuild/parser';
import { isUrl } from '../copy/select.js';
import type { BuildContextSource } from './contextSource.js';

/** words with nothing ShellLex would change: no variables, quotes, escapes or spaces */
const LITERAL = /^[A-Za-z0-9_.\/*?[\]@%+,:=~^!-]+$/;

export function prefetchContextChecksums(dockerfile: Dockerfile, graph: StageGraph, context: BuildContextSource): void {
  if (!context.prefetch) return;
  for (const i of graph.order) {
    for (const instr of dockerfile.stages[i]?.instructions ?? []) {
      if ((instr.kind !== 'COPY' && instr.kind !== 'ADD') || instr.from !== undefined) continue;
      const sources = instr.sources;
      if (sources.length === 0 || sources.some(isUrl)) continue;
      if (![...sources, ...instr.exclude].every((w) => LITERAL.test(w))) continue;
      context.prefetch(sources, { exclude: instr.exclude, parents: instr.parents });
    }
  }
}
