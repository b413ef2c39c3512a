/**
 * The differential test's own yardstick: flattening layer tars must give exactly what the engine
 * shows as the container filesystem. Unit cases for whiteouts / opaque dirs / hard links, and (with
 * docker) flattened `docker save` layers == `docker export` minus what the engine adds to containers.
 */
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Readable } from 'node:stream';
import { Readable as NodeReadable } from 'node:stream';
import { packTar } from '@tsbuild/layerstore/tar';
import { REPO_ROOT } from '../helpers/busybox.js';
import { dockerAvailable, dockerBuild, dockerExportFs, dockerImageExists, dockerSaveImage } from '../helpers/docker.js';
import { compareModels, flattenLayers, modelFromTar } from './fs-model.js';

type E = { name: string; type?: 'file' | 'directory' | 'symlink' | 'link'; body?: string; linkname?: string; mode?: number };
function layer(entries: E[]): () => Readable {
  return () => {
    return NodeReadable.from([packTar(entries.map((e) => {
      const type = e.type ?? 'file';
      return { header: { name: e.name, type, mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644), mtime: new Date(1e12), linkname: e.linkname }, body: e.body ?? '' };
    }))]);
  };
}

describe('fs-model: flattening layers', () => {
  it('applies file and directory whiteouts to lower layers only', async () => {
    const fs = await flattenLayers([
      { open: layer([{ name: 'a/', type: 'directory' }, { name: 'a/x', body: 'x' }, { name: 'a/y', body: 'y' }, { name: 'd/', type: 'directory' }, { name: 'd/z', body: 'z' }]) },
      { open: layer([{ name: 'a/.wh.x' }, { name: 'a/x2', body: 'x2' }, { name: '.wh.d' }]) },
    ]);
    expect([...fs.keys()].sort()).toEqual(['/a', '/a/x2', '/a/y']);
  });

  it('opaque dir hides lower children but keeps the same layer\'s', async () => {
    const fs = await flattenLayers([
      { open: layer([{ name: 'o/', type: 'directory' }, { name: 'o/old', body: '1' }, { name: 'o/sub/', type: 'directory' }]) },
      { open: layer([{ name: 'o/', type: 'directory', mode: 0o700 }, { name: 'o/new', body: '2' }, { name: 'o/.wh..wh..opq' }]) },
    ]);
    expect([...fs.keys()].sort()).toEqual(['/o', '/o/new']);
    expect(fs.get('/o')!.mode).toBe(0o700);
  });

  it('groups hard links and re-roots a group when its first member goes away', async () => {
    const fs = await flattenLayers([
      { open: layer([{ name: 'h/', type: 'directory' }, { name: 'h/a', body: 'same' }, { name: 'h/b', type: 'link', linkname: 'h/a' }, { name: 'h/c', type: 'link', linkname: 'h/a' }]) },
      { open: layer([{ name: 'h/.wh.a' }]) },
    ]);
    expect(fs.get('/h/b')!.hardlinks).toEqual(['/h/c']);
    expect(fs.get('/h/c')!.hardlinks).toEqual(['/h/b']);
    expect(fs.get('/h/b')!.sha256).toBe(fs.get('/h/c')!.sha256);
  });

  it('takes uid, gid and mtime from PAX records (ids past the octal range, mtimes before 1970)', async () => {
    const open = () => {
      return NodeReadable.from([packTar([{ header: { name: 'big', mode: 0o644, mtime: new Date(0), pax: { uid: '3000000', gid: '4294967294', mtime: '-86400' } }, body: 'x' }])]);
    };
    const e = (await flattenLayers([{ open }])).get('/big')!;
    expect([e.uid, e.gid, e.mtime]).toEqual([3000000, 4294967294, -86400]);
  });

  it('a file replacing a directory removes its children', async () => {
    const fs = await flattenLayers([
      { open: layer([{ name: 'k/', type: 'directory' }, { name: 'k/in', body: '1' }]) },
      { open: layer([{ name: '.wh.k' }, { name: 'k', body: 'file now' }]) },
    ]);
    expect([...fs.keys()].sort()).toEqual(['/k']);
    expect(fs.get('/k')!.type).toBe('file');
  });
});

describe('fs-model vs docker export', () => {
  // What the engine adds to every container's filesystem (mount points, .dockerenv) — not image content.
  const containerNoise = new Set(['/', '/.dockerenv', '/dev/console', '/dev/pts', '/dev/shm', '/etc/hostname', '/etc/hosts', '/etc/mtab', '/etc/resolv.conf']);
  for (const name of ['whiteout-file', 'opaque-dir', 'hardlinks', 'copy-over-whiteout']) {
    it(`flattened docker save layers of ${name} equal docker export`, async (ctx) => {
      if (!dockerAvailable() || !dockerImageExists('localbase/busybox:1')) {
        console.warn(`fs-model ${name}: skipped — no docker daemon or no localbase/busybox:1`);
        ctx.skip();
        return;
      }
      const tag = `tsdiff-self/${name}`;
      const b = await dockerBuild({ context: join(REPO_ROOT, 'fixtures', 'differential', name), tag });
      expect(b.ok, b.output).toBe(true);
      const saved = await dockerSaveImage(tag);
      const dir = mkdtempSync(join(tmpdir(), 'tsdiff-export-'));
      try {
        const fromLayers = await flattenLayers(saved.layerTars.map((p) => ({ open: () => createReadStream(p) })));
        await dockerExportFs(tag, join(dir, 'fs.tar'));
        const exported = await modelFromTar(join(dir, 'fs.tar'));
        expect(compareModels(fromLayers, exported, { ignorePaths: containerNoise, buildStart: { left: 0, right: 0 } }, { left: 'save', right: 'export' })).toEqual([]);
      } finally {
        saved.cleanup();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  }
});
