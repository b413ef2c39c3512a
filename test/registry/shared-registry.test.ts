/**
 * The registry `../shared/bench/setup.sh` (and `.ci/run`) keeps on 127.0.0.1:5000 with
 * `localbase/busybox:1`: an unmodified Dockerfile naming a Docker Hub image builds from it when
 * the tsbuild config makes it the docker.io mirror.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STORE_TMP, tempStore, type TempStore } from '../helpers/store.js';
import { makeContext, removeDir } from '../build/helpers.js';
import { runTsbuild } from '../helpers/cli.js';

const SHARED = '127.0.0.1:5000';
const up = await fetch(`http://${SHARED}/v2/localbase/busybox/manifests/1`, { method: 'HEAD', headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' } }).then((r) => r.ok, () => false);
if (!up) console.warn(`skipping: no registry with localbase/busybox:1 at ${SHARED} (run ../shared/bench/setup.sh)`);

let t: TempStore;
let dir: string;
let ctx: string;
beforeAll(async () => {
  if (!up) return;
  t = await tempStore('shared-');
  dir = mkdtempSync(join(STORE_TMP, 'shenv-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ registry: { 'docker.io': { mirrors: [SHARED] } } }));
  ctx = makeContext({ Dockerfile: 'FROM localbase/busybox:1\nRUN echo ok > /ok.txt\nCMD ["cat", "/ok.txt"]\n' });
});
afterAll(() => {
  t?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (ctx) removeDir(ctx);
});

describe.skipIf(!up)('the shared local registry as the docker.io mirror', () => {
  it('FROM localbase/busybox:1 (docker.io/localbase/busybox:1) builds from 127.0.0.1:5000', async () => {
    const env = { HOME: dir, DOCKER_CONFIG: join(dir, 'docker'), TSBUILD_CONFIG: join(dir, 'config.json') };
    const r = runTsbuild(['build', '--root', t.root, '--progress', 'plain', '--network', 'none', '-t', 'app:1', ctx], { env });
    expect(r.stderr).toContain('Pull complete');
    expect(r.code).toBe(0);
    expect((await t.store.getImage('localbase/busybox:1'))?.layers.length).toBeGreaterThan(0);
    expect((await t.store.getImage('app:1'))?.config.config.Cmd).toEqual(['cat', '/ok.txt']);
    expect(await t.store.fsck()).toEqual([]);
  });

  it('tsbuild pull through the mirror on the plain bundle (TSBUILD_NO_SNAPSHOT=1)', async () => {
    const t2 = await tempStore('shared-');
    try {
      const env = { HOME: dir, DOCKER_CONFIG: join(dir, 'docker'), TSBUILD_CONFIG: join(dir, 'config.json'), TSBUILD_NO_SNAPSHOT: '1' };
      const r = runTsbuild(['pull', '--root', t2.root, 'localbase/busybox:1'], { env });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^localbase\/busybox:1 \(\d+ blobs downloaded, 0 already in the store\)/);
      expect(r.stderr).toMatch(/Digest: sha256:[0-9a-f]{64}/);
      expect(await t2.store.fsck()).toEqual([]);
    } finally {
      t2.cleanup();
    }
  });
});
