/** Import a real busybox rootfs, save (docker + OCI), load into a fresh store: same digests; docker and skopeo read it. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, importRootfs, saveImages, loadArchive, type Store } from '@tsbuild/layerstore';
import { busyboxRootfsTar, busyboxRootfs } from '../helpers/busybox.js';

let dir: string;
let store: Store;
beforeAll(async () => {
  dir = mkdtempSync('/var/tmp/ls-rt-');
  store = await openStore(join(dir, 'a'));
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function dockerWorks(): string | undefined {
  const r = spawnSync('/usr/bin/docker', ['info'], { stdio: 'pipe', timeout: 20_000 });
  return r.status === 0 ? undefined : `docker info failed: ${(r.stderr ?? '').toString().trim().split('\n')[0] ?? 'no docker'}`;
}

describe('round trip', () => {
  it('import → save (docker-archive) → load in a fresh store keeps manifest and config digests', async () => {
    const rec = await importRootfs(store, busyboxRootfsTar(), 'ls-roundtrip/busybox:1', { created: '2024-01-01T00:00:00Z' });
    const snap = await store.ensureSnapshots(rec.layers);
    // the unpacked snapshot is the rootfs, file for file
    const list = (d: string) => execFileSync('find', ['.', '-printf', '%p %m %U %G %y %l %s\n'], { cwd: d, encoding: 'utf8' }).split('\n').filter((l) => l && !l.startsWith('./.complete')).sort();
    expect(list(snap[0]!)).toEqual(list(busyboxRootfs()));
    for (const format of ['docker', 'oci'] as const) {
      const tarFile = join(dir, `img-${format}.tar`);
      await saveImages(store, ['ls-roundtrip/busybox:1'], tarFile, { format });
      const fresh = await openStore(join(dir, `fresh-${format}`));
      const { images } = await loadArchive(fresh, tarFile);
      expect(images.map((i) => i.name)).toEqual(['ls-roundtrip/busybox:1']);
      const back = await fresh.getImage('ls-roundtrip/busybox:1');
      expect(back?.manifestDigest).toBe(rec.manifestDigest);
      expect(back?.configDigest).toBe(rec.configDigest);
      expect(await fresh.fsck()).toEqual([]);
      await fresh.close();
    }
  });

  it('skopeo reads the store root as an OCI layout', () => {
    const r = spawnSync('skopeo', ['inspect', `oci:${store.root}:ls-roundtrip/busybox:1`], { encoding: 'utf8' });
    if (r.error) return console.log(`skipped: skopeo not available (${r.error.message})`);
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout) as { Architecture: string; Layers: string[] };
    expect(info.Layers).toHaveLength(1);
  });

  it('umoci lists the tags of the store root', () => {
    const r = spawnSync('umoci', ['ls', '--layout', store.root], { encoding: 'utf8' });
    if (r.error) return console.log(`skipped: umoci not available (${r.error.message})`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toContain('ls-roundtrip/busybox:1');
  });

  it('docker load + docker run of the saved docker-archive', async (ctx) => {
    const why = dockerWorks();
    if (why) {
      console.log(`skipped docker check: ${why}`);
      ctx.skip();
      return;
    }
    const tag = `ls-roundtrip/busybox:${process.pid}`;
    await store.tag(tag, (await store.getImage('ls-roundtrip/busybox:1'))!.manifestDigest);
    const tarFile = join(dir, 'for-docker.tar');
    await saveImages(store, [tag], tarFile, { format: 'docker' });
    try {
      const load = execFileSync('/usr/bin/docker', ['load', '-i', tarFile], { encoding: 'utf8' });
      expect(load).toContain(tag);
      const run = spawnSync('/usr/bin/docker', ['run', '--rm', '--network=none', tag, '/bin/busybox', 'true'], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      const out = execFileSync('/usr/bin/docker', ['run', '--rm', '--network=none', tag, '/bin/busybox', 'stat', '-c', '%a', '/tmp'], { encoding: 'utf8' });
      expect(out.trim()).toBe('1777');
    } finally {
      spawnSync('/usr/bin/docker', ['rmi', '-f', tag], { stdio: 'ignore' });
    }
  });

  it('loads a docker-archive written by docker save (when present)', async (ctx) => {
    const file = '/var/tmp/bench/busybox-docker.tar';
    try {
      statSync(file);
    } catch {
      console.log(`skipped: ${file} not present`);
      ctx.skip();
      return;
    }
    const fresh = await openStore(join(dir, 'from-docker'));
    const { images } = await loadArchive(fresh, file);
    expect(images.length).toBeGreaterThan(0);
    const rec = images[0]!.record;
    const snaps = await fresh.ensureSnapshots(rec.layers);
    expect(readdirSync(snaps.at(-1)!).length).toBeGreaterThan(0);
    expect(await fresh.fsck()).toEqual([]);
    await fresh.close();
  });
});
