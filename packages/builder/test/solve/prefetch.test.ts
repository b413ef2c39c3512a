import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { planBuild } from '../../src/plan/planBuild.js';
import { prefetchContextChecksums } from '../../src/solve/prefetch.js';
import { loadContextSource } from '../../src/solve/loadContextSource.js';
import type { BuildContextSource } from '../../src/solve/contextSource.js';
import { cleanup, makeTree, tmp } from '../copy/helpers.js';

const dirs: string[] = [];
afterAll(() => cleanup(...dirs.splice(0)));
function t(): string { const d = tmp('tsb-prefetch-'); dirs.push(d); return d; }

describe('prefetched context checksums', () => {
  it('starts the literal context COPY/ADD selections of the stages the target needs, nothing else', () => {
    const plan = planBuild({ file: 'Dockerfile', text: [
      'FROM scratch AS unused', 'COPY never/ /x/',
      'FROM scratch AS dep', 'ARG D=src', 'COPY ${D} /d/', 'COPY "quoted" /q/',
      'FROM scratch', 'COPY --from=dep /d /d', 'COPY --exclude=*.log --parents a/ b.txt /out/', 'ADD https://example.com/x /x', 'ADD local.tar /t/',
      'COPY <<EOF /h', 'hi', 'EOF', '',
    ].join('\n') }, { target: undefined });
    const asked: unknown[] = [];
    const ctx = { prefetch: (s: string[], o: unknown) => asked.push([s, o]) } as unknown as BuildContextSource;
    prefetchContextChecksums(plan.dockerfile, plan.graph, ctx);
    expect(asked).toEqual([
      [['a/', 'b.txt'], { exclude: ['*.log'], parents: true }],
      [['local.tar'], { exclude: [], parents: false }],
    ]);
  });

  it('gives the step the prefetched result, and its error, with nothing unhandled before', async () => {
    const d = makeTree(t(), { files: { 'a/x': 'x' } });
    const root = t();
    const ctx = await loadContextSource(d, { cacheFile: join(root, 'store', 'context-cache.bin') });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      ctx.prefetch!(['a'], {});
      ctx.prefetch!(['missing'], {});
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
      const first = await ctx.checksum(['a'], {});
      expect(await ctx.checksum(['a'], {})).toBe(first); // one checksum per selection and build
      const err = await ctx.checksum(['missing'], {}).catch((e: unknown) => e) as { code?: string; message?: string };
      expect(err.code).toBe('E_COPY_SOURCE');
      expect(err.message).toMatch(/missing/);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
