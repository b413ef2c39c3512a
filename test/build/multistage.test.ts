/** Multi-stage: --target, unused stages skipped, COPY --from an image, RUN --mount=type=bind from a stage and the context. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from '@tsbuild/builder';
import type { TempStore } from '../helpers/store.js';
import { flatten, makeContext, removeDir, storeWithBusybox } from './helpers.js';

let t: TempStore;
const dirs: string[] = [];
beforeAll(async () => {
  t = await storeWithBusybox();
});
afterAll(() => {
  t?.cleanup();
  for (const d of dirs) removeDir(d);
});

async function files(layers: Parameters<typeof flatten>[1]): Promise<string> {
  const root = await flatten(t.store, layers);
  dirs.push(root);
  return root;
}

describe('multi-stage', () => {
  it('--target builds only the stages it needs', async () => {
    const ctx = makeContext({});
    dirs.push(ctx);
    const text = 'FROM busybox AS unused\nRUN echo unused > /u\nFROM busybox AS dep\nRUN echo dep > /d\nFROM busybox AS target\nCOPY --from=dep /d /d\nFROM busybox\nRUN echo last > /l\n';
    const r = await build({ context: ctx, store: t.store, network: 'none', target: 'target', dockerfileText: text });
    expect(r.steps.some((s) => s.name.startsWith('[unused'))).toBe(false);
    expect(r.steps.some((s) => s.name.startsWith('[stage-3'))).toBe(false);
    expect(readFileSync(join(await files(r.image.layers), 'd'), 'utf8')).toBe('dep\n');
  });

  it('COPY --from an image in the store, and RUN --mount=type=bind from a stage and from the context', async () => {
    const ctx = makeContext({ 'data/in.txt': 'ctx-data' });
    dirs.push(ctx);
    const text = [
      'FROM busybox AS gen',
      'RUN mkdir /gen && echo generated > /gen/file',
      'FROM busybox',
      'COPY --from=busybox:latest /etc/passwd /passwd-from-image',
      'RUN --mount=type=bind,from=gen,source=/gen,target=/mnt/gen cat /mnt/gen/file > /from-stage',
      'RUN --mount=type=bind,source=data,target=/mnt/data cat /mnt/data/in.txt > /from-context && (touch /mnt/data/x 2>/dev/null && echo rw || echo ro) > /bind-mode',
      '',
    ].join('\n');
    const r = await build({ context: ctx, store: t.store, network: 'none', dockerfileText: text });
    const root = await files(r.image.layers);
    expect(readFileSync(join(root, 'passwd-from-image'), 'utf8')).toContain('root:x:0:0');
    expect(readFileSync(join(root, 'from-stage'), 'utf8')).toBe('generated\n');
    expect(readFileSync(join(root, 'from-context'), 'utf8')).toBe('ctx-data');
    expect(readFileSync(join(root, 'bind-mode'), 'utf8')).toBe('ro\n');
  });

  it('a --from naming no stage or image is E_STAGE', async () => {
    const ctx = makeContext({});
    dirs.push(ctx);
    await expect(build({ context: ctx, store: t.store, dockerfileText: 'FROM busybox\nCOPY --from=nowhere /x /x\n' })).rejects.toMatchObject({ code: 'E_STAGE' });
  });
  it('FROM matches a stage name as written (lowercase) and only `scratch` is the empty image; --from=scratch is the empty image', async () => {
    const ctx = makeContext({});
    dirs.push(ctx);
    await expect(build({ context: ctx, store: t.store, network: 'none', dockerfileText: 'FROM busybox AS Build\nRUN true\nFROM Build\n' })).rejects.toMatchObject({ code: 'E_INVALID_REFERENCE' });
    await expect(build({ context: ctx, store: t.store, network: 'none', dockerfileText: 'FROM Scratch\n' })).rejects.toMatchObject({ code: 'E_INVALID_REFERENCE' });
    const r = await build({ context: ctx, store: t.store, network: 'none', dockerfileText: 'FROM busybox AS scratch\nRUN echo stage > /m\nFROM scratch\nCOPY --from=scratch /m /copied\nFROM busybox\nCOPY --from=1 / /s1/\n' });
    const root = await files(r.image.layers);
    expect(readFileSync(join(root, 's1/m'), 'utf8')).toBe('stage\n');
    expect(readFileSync(join(root, 's1/copied'), 'utf8')).toBe('stage\n');
    // no stage of that name: the empty image, never pulled
    const e = await build({ context: ctx, store: t.store, network: 'none', dockerfileText: 'FROM busybox\nCOPY --from=scratch / /empty/\n' });
    expect(readdirSync(join(await files(e.image.layers), 'empty'))).toEqual([]);
  });

  it('ONBUILD COPY --from names a stage of the Dockerfile that builds FROM the image (current BuildKit initOnBuildTriggers)', async () => {
    const ctx = makeContext({});
    dirs.push(ctx);
    await build({ context: ctx, store: t.store, network: 'none', tags: ['onbuild-from-base'], dockerfileText: 'FROM busybox AS helper\nRUN echo base-helper > /h\nFROM busybox\nONBUILD COPY --from=helper /h /onbuild-h\n' });
    const r = await build({ context: ctx, store: t.store, network: 'none', dockerfileText: 'FROM busybox AS helper\nRUN echo child-helper > /h\nFROM onbuild-from-base\nRUN cat /onbuild-h > /seen\n' });
    expect(readFileSync(join(await files(r.image.layers), 'seen'), 'utf8')).toBe('child-helper\n');
  });
});
