/**
 * A many-file base (busybox + 6,000 small files, one layer) through the installed launcher:
 * `load --unpack`, a RUN on it, `-o type=local` and `-o type=tar` — with extraction worker threads
 * forced on and forced off (TSBUILD_EXTRACT_WORKERS), because the default picks them by the load
 * average, and a quiet machine once took the worker path that was broken from the startup
 * snapshot: exit 0 with nothing written (issue 18). Also the same through the plain bundle.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxRootfs } from '../helpers/busybox.js';
import { runTsbuild } from '../helpers/cli.js';
import { STORE_TMP } from '../helpers/store.js';

const FILES = 6000;
let dir: string;
let archive: string;

beforeAll(() => {
  mkdirSync(STORE_TMP, { recursive: true });
  dir = mkdtempSync(join(STORE_TMP, 'many-'));
  const rootfs = join(dir, 'rootfs');
  cpSync(busyboxRootfs(), rootfs, { recursive: true, verbatimSymlinks: true });
  rmSync(join(rootfs, '.complete'), { force: true });
  for (let d = 0; d < 60; d++) {
    const sub = join(rootfs, 'usr/share/many', `d${d}`);
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < FILES / 60; f++) writeFileSync(join(sub, `f${f}`), `file ${d}/${f}\n`);
  }
  const tar = join(dir, 'rootfs.tar');
  execFileSync('tar', ['--sort=name', '--numeric-owner', '-C', rootfs, '-cf', tar, '.']);
  rmSync(rootfs, { recursive: true, force: true });
  // a docker-archive of it, as a user would `docker save` one
  const src = join(dir, 'src-store');
  expect(runTsbuild(['import', '--root', src, tar, 'many:1']).code).toBe(0);
  archive = join(dir, 'many.tar');
  const s = runTsbuild(['save', '--root', src, 'many:1', '-o', archive]);
  expect(s.stderr).toBe('');
  expect(s.code).toBe(0);
  rmSync(src, { recursive: true, force: true });
  rmSync(tar);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function count(root: string): number {
  return Number(execFileSync('sh', ['-c', `find "$1" | wc -l`, 'sh', root], { encoding: 'utf8' }).trim());
}

const ways: Array<{ name: string; env: Record<string, string> }> = [
  { name: 'launcher (startup snapshot), extraction workers on', env: { TSBUILD_EXTRACT_WORKERS: '2' } },
  { name: 'launcher (startup snapshot), extraction workers off', env: { TSBUILD_EXTRACT_WORKERS: '0' } },
  { name: 'plain bundle, extraction workers on', env: { TSBUILD_EXTRACT_WORKERS: '2', TSBUILD_NO_SNAPSHOT: '1' } },
];

describe.each(ways)('a 6,000-file base through $name', ({ env }) => {
  it('load --unpack extracts it completely; a RUN, -o type=local and -o type=tar see every file', () => {
    const work = mkdtempSync(join(dir, 'w-'));
    const root = join(work, 'root');
    const l = runTsbuild(['load', '--root', root, '--unpack', '-i', archive], { env });
    expect(l.stderr).toBe('');
    expect(l.code).toBe(0);
    const snaps = readdirSync(join(root, 'snapshots'));
    expect(snaps).toHaveLength(1);
    const snap = join(root, 'snapshots', snaps[0]!);
    expect(readFileSync(join(snap, 'usr/share/many/d59/f99'), 'utf8')).toBe('file 59/99\n');
    expect(count(join(snap, 'usr/share/many'))).toBe(FILES + 61);
    expect(readdirSync(join(root, 'tmp')).filter((n) => n.startsWith('snapshot'))).toEqual([]);

    const ctx = join(work, 'ctx');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM many:1\nRUN ls /usr/share/many/d7 | wc -l > /marker\n');
    const local = join(work, 'out');
    const tar = join(work, 'fs.tar');
    const b = runTsbuild(['build', '--root', root, '-q', '-o', `type=local,dest=${local}`, '-o', `type=tar,dest=${tar}`, ctx], { env });
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(readFileSync(join(local, 'marker'), 'utf8').trim()).toBe(String(FILES / 60));
    expect(count(join(local, 'usr/share/many'))).toBe(FILES + 61);
    expect(existsSync(join(local, 'bin/busybox'))).toBe(true);
    const listed = spawnSync('tar', ['-tf', tar], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout.split('\n');
    expect(listed).toContain('./marker');
    expect(listed).toContain('./usr/share/many/d59/f99');
    expect(listed.filter((n) => n.startsWith('./usr/share/many/')).length).toBe(FILES + 61);
    rmSync(work, { recursive: true, force: true });
  }, 90_000);
});
