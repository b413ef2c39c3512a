/**
 * Many layers. A relative `--root` works for an image of many layers: past ~45 lowerdirs the overlay mount runs
 * in its scratch directory with short links (the mount options must fit in a page), where a
 * relative store path named nothing — `tsbuild --root store` failed at the ~48th layer with E_MOUNT
 * ENOENT. The store's root is made absolute when it is opened. Past overlayfs's 500 lower layers a
 * RUN fails with an error that says so (as BuildKit's overlay snapshotter, it cannot mount them).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeHeader } from '@tsbuild/layerstore/tar';
import { TSBUILD_BIN } from '../helpers/cli.js';
import { STORE_TMP, type TempStore } from '../helpers/store.js';
import { storeWithBusybox } from './helpers.js';

let t: TempStore;
let ctx: string;
beforeAll(async () => {
  t = await storeWithBusybox();
  mkdirSync(STORE_TMP, { recursive: true });
  ctx = mkdtempSync(join(STORE_TMP, 'relroot-'));
});
afterAll(() => {
  t?.cleanup();
  if (ctx) rmSync(ctx, { recursive: true, force: true });
});

describe('many layers', () => {
  it('builds an image of 60 layers, then a RUN on them', () => {
    const lines = ['FROM busybox'];
    for (let i = 0; i < 60; i++) lines.push(`WORKDIR /w${i}`);
    lines.push('RUN pwd > /pwd');
    writeFileSync(join(ctx, 'Dockerfile'), `${lines.join('\n')}\n`);
    const out = join(ctx, 'out');
    const r = spawnSync(TSBUILD_BIN, ['build', '--root', basename(t.root), '-q', '--network', 'none', '-o', `type=local,dest=${out}`, ctx], { cwd: dirname(t.root), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(join(out, 'pwd'), 'utf8')).toBe('/w59\n');
    expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(t.root);
  }, 90_000);

  it('a RUN on more than 500 layers: a clear E_MOUNT naming overlayfs\'s limit, nothing left mounted, fsck clean', () => {
    // a loaded image of 501 one-directory layers (500 WORKDIR steps would take a minute)
    const archive = join(ctx, 'deep.tar');
    writeFileSync(archive, deepImageArchive(501));
    const l = spawnSync(TSBUILD_BIN, ['load', '--root', t.root, '-i', archive], { encoding: 'utf8' });
    expect(l.status, l.stderr).toBe(0);
    const deep = join(ctx, 'deep');
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'Dockerfile'), 'FROM deep:1\nRUN true\n');
    const r = spawnSync(TSBUILD_BIN, ['build', '--root', t.root, '--progress', 'plain', '--network', 'none', deep], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/E_MOUNT/);
    expect(r.stderr).toMatch(/rootfs has 501 layers and overlayfs stacks at most 500/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(t.root);
    const f = spawnSync(TSBUILD_BIN, ['fsck', '--root', t.root], { encoding: 'utf8' });
    expect(f.status, f.stdout + f.stderr).toBe(0);
  }, 120_000);
});

/** A docker-archive (`docker save` layout) of `n` layers, each one directory `/w<i>`, tagged deep:1. */
function deepImageArchive(n: number): Buffer {
  const tarOf = (entries: { name: string; body?: Buffer }[]) => Buffer.concat([
    ...entries.flatMap(({ name, body }) => {
      const h = encodeHeader({ name, type: body ? 'file' : 'directory', mode: 0o755, uid: 0, gid: 0, size: body?.length ?? 0, mtime: 0 })!;
      return body ? [h, body, Buffer.alloc((512 - (body.length % 512)) % 512)] : [h];
    }),
    Buffer.alloc(1024),
  ]);
  const layers = Array.from({ length: n }, (_, i) => tarOf([{ name: `w${i}/` }]));
  const diffIds = layers.map((b) => `sha256:${createHash('sha256').update(b).digest('hex')}`);
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const config = Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', config: { Env: ['PATH=/bin'] }, rootfs: { type: 'layers', diff_ids: diffIds } }));
  const manifest = Buffer.from(JSON.stringify([{ Config: 'config.json', RepoTags: ['deep:1'], Layers: layers.map((_, i) => `l${i}/layer.tar`) }]));
  return tarOf([
    ...layers.flatMap((body, i) => [{ name: `l${i}/` }, { name: `l${i}/layer.tar`, body }]),
    { name: 'config.json', body: config },
    { name: 'manifest.json', body: manifest },
  ]);
}
