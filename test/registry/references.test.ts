/**
 * Image references in builds, as Docker parses them: names that mean the stored image resolve to
 * it, malformed ones fail as references before any step runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '@tsbuild/builder';
import type { ImageRecord } from '@tsbuild/layerstore';
import { importBusybox, tempStore, type TempStore } from '../helpers/store.js';
import { makeContext, removeDir } from '../build/helpers.js';
import { runTsbuild } from '../helpers/cli.js';

let t: TempStore;
let base: ImageRecord;
const dirs: string[] = [];
beforeAll(async () => {
  t = await tempStore('refs-');
  base = await importBusybox(t.store, { names: ['busybox:latest'] });
});
afterAll(() => {
  t?.cleanup();
  for (const d of dirs) removeDir(d);
});

function ctx(dockerfile: string): string {
  const d = makeContext({ Dockerfile: dockerfile });
  dirs.push(d);
  return d;
}

describe('FROM names that mean the stored busybox:latest', () => {
  it.each([
    'busybox',
    'busybox:latest',
    'library/busybox',
    'docker.io/library/busybox',
    'index.docker.io/library/busybox:latest',
    'docker.io/busybox:latest',
  ])('FROM %s', async (name) => {
    const r = await build({ context: ctx(`FROM ${name}\nLABEL x=1\n`), store: t.store });
    expect(r.config.rootfs.diff_ids).toEqual(base.config.rootfs.diff_ids);
  });

  it('FROM busybox:latest@<stored digest> and busybox@<stored digest>', async () => {
    for (const name of [`busybox:latest@${base.manifestDigest}`, `busybox@${base.manifestDigest}`]) {
      const r = await build({ context: ctx(`FROM ${name}\nLABEL x=1\n`), store: t.store });
      expect(r.config.rootfs.diff_ids).toEqual(base.config.rootfs.diff_ids);
    }
  });

  it('COPY --from=docker.io/library/busybox reads the stored image', async () => {
    const r = await build({ context: ctx('FROM scratch\nCOPY --from=docker.io/library/busybox /etc/passwd /p\n'), store: t.store });
    expect(r.image.layers).toHaveLength(1);
  });
});

describe('malformed references fail as references, before any step runs', () => {
  it('FROM platform- (an unset ARG): BuildKit\'s "failed to parse stage name", with the line', async () => {
    const err = await build({ context: ctx('FROM busybox AS ok\nRUN false\nARG X\nFROM platform-${X}\n'), store: t.store, target: undefined }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_INVALID_REFERENCE', message: 'failed to parse stage name "platform-": invalid reference format', location: { line: 4 } });
  });

  it('FROM ${unset} (expands to nothing): BuildKit\'s "base name (…) should not be blank", with the line', async () => {
    const err = await build({ context: ctx('ARG app_type\nFROM busybox AS x\nRUN false\nFROM ${app_type} AS m\n'), store: t.store }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_INVALID_REFERENCE', message: 'base name (${app_type}) should not be blank', location: { line: 4 } });
  });

  it('FROM 0 is the image "0", not stage 0 (BuildKit looks FROM up by stage name only)', async () => {
    const err = await build({ context: ctx('FROM busybox\nLABEL a=1\nFROM 0\n'), store: t.store }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_IMAGE_NOT_FOUND', location: { line: 3 } });
    // COPY --from=0 still names stage 0
    const r = await build({ context: ctx('FROM busybox\nLABEL a=1\nFROM scratch\nCOPY --from=0 /etc/passwd /p\n'), store: t.store });
    expect(r.image.layers).toHaveLength(1);
  });

  it('an invalid name in a needed stage fails before an earlier stage runs', async () => {
    // stage 0's RUN would fail with E_EXEC_FAILED (and needs an executor): the reference error comes first
    const err = await build({ context: ctx('FROM busybox AS a\nRUN exit 3\nFROM a\nCOPY --from=Bad/Name /x /x\n'), store: t.store }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_INVALID_REFERENCE', location: { line: 4 } });
    expect((err as Error).message).toContain('repository name (Name) must be lowercase');
  });

  it('RUN --mount from=UPPER fails as a reference', async () => {
    const err = await build({ context: ctx('FROM busybox\nRUN --mount=from=UPPER,target=/m true\n'), store: t.store }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_INVALID_REFERENCE', location: { line: 2 } });
  });

  it('-t Uxts/Mini:UP fails before building (CLI: exit 1, one line naming the tag)', async () => {
    const c = ctx('FROM busybox\nRUN exit 7\n');
    const r = runTsbuild(['build', '--root', t.root, '--progress', 'plain', '-t', 'Uxts/Mini:UP', c]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('invalid tag "Uxts/Mini:UP": invalid reference format: repository name (Mini) must be lowercase');
    expect(r.stderr).toContain('[E_INVALID_REFERENCE]');
    expect(r.stderr).not.toContain('RUN exit 7'); // nothing ran
  });

  it.each([['inspect'], ['rmi'], ['save', '-o', '/dev/null'], ['push']])('tsbuild %s with an invalid name: E_INVALID_REFERENCE naming it, exit 1', (...cmd) => {
    const r = runTsbuild([...cmd, '--root', t.root, 'Bad/Name']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('"Bad/Name": invalid reference format: repository name (Name) must be lowercase');
    expect(r.stderr).toContain('[E_INVALID_REFERENCE]');
  });

  it('tsbuild tag to an invalid name: E_INVALID_REFERENCE, exit 1', () => {
    const r = runTsbuild(['tag', '--root', t.root, 'busybox', 'x:-bad']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('"x:-bad": invalid reference format');
  });
});
