/** The store commands through the real `tsbuild` bin: import, images, inspect, tag, save, load, rmi, prune, fsck. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, readdirSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, busyboxRootfsTar } from '../helpers/busybox.js';
import { ensureBuilt } from './fixtures/ensure-built.js';

const BIN = join(REPO_ROOT, 'packages/builder/bin/tsbuild.js');
let dir: string;

beforeAll(() => {
  // the bin runs dist/: make sure it is current (a type error elsewhere still emits)
  ensureBuilt(['layerstore', 'builder']);
  dir = mkdtempSync('/var/tmp/ls-cli-');
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tsbuild(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, TSBUILD_ROOT: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('tsbuild store commands', () => {
  it('import → images → inspect → tag → save → load → rmi → prune → fsck', () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    const imp = tsbuild('import', '--root', a, busyboxRootfsTar(), 'cli/busybox:1');
    expect(imp.code, imp.err).toBe(0);
    const id = imp.out.trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);

    const images = tsbuild('images', '--root', a);
    expect(images.code).toBe(0);
    expect(images.out.split('\n')[0]).toMatch(/^NAME\s+ID\s+CREATED\s+SIZE$/);
    expect(images.out).toContain(`cli/busybox:1`);
    expect(images.out).toContain(id.slice(7, 19));

    const insp = tsbuild('inspect', '--root', a, 'cli/busybox:1');
    expect(insp.code).toBe(0);
    const [info] = JSON.parse(insp.out) as { Id: string; RepoTags: string[]; Os: string; RootFS: { Layers: string[] } }[];
    expect(info).toMatchObject({ Id: id, RepoTags: ['cli/busybox:1'], Os: 'linux' });
    expect(info!.RootFS.Layers).toHaveLength(1);
    expect(tsbuild('inspect', '--root', a, id.slice(7, 19)).code).toBe(0);
    expect(tsbuild('inspect', '--root', a, 'nope:1').code).toBe(1);

    expect(tsbuild('tag', '--root', a, 'cli/busybox:1', 'cli/other').code).toBe(0);
    const archive = join(dir, 'out.tar');
    const save = tsbuild('save', '--root', a, '-o', archive, 'cli/busybox:1', 'cli/other');
    expect(save.code, save.err).toBe(0);
    expect(statSync(archive).size).toBeGreaterThan(500_000);

    const load = tsbuild('load', '--root', b, '-i', archive);
    expect(load.code, load.err).toBe(0);
    expect(load.out).toContain('Loaded image: cli/busybox:1');
    expect(load.out).toContain('Loaded image: cli/other:latest');
    expect(JSON.parse(tsbuild('inspect', '--root', b, 'cli/other').out)[0].Id).toBe(id);
    // a plain load unpacks nothing; --unpack extracts the layer snapshot now (as docker load does)
    expect(existsSync(join(b, 'snapshots')) ? readdirSync(join(b, 'snapshots')) : []).toEqual([]);
    const c = join(dir, 'c');
    const unpacked = tsbuild('load', '--root', c, '--unpack', '-i', archive);
    expect(unpacked.code, unpacked.err).toBe(0);
    const snaps = readdirSync(join(c, 'snapshots')).filter((n) => /^[0-9a-f]{64}$/.test(n));
    expect(snaps).toHaveLength(1);
    expect(readFileSync(join(c, 'snapshots', snaps[0]!, 'bin/busybox')).length).toBeGreaterThan(500_000);
    expect(tsbuild('fsck', '--root', c).code).toBe(0);

    expect(tsbuild('rmi', '--root', a, 'cli/busybox:1', 'cli/other').out).toContain('Untagged: cli/busybox:1');
    expect(tsbuild('rmi', '--root', a, 'cli/busybox:1').code).toBe(1);
    const prune = tsbuild('prune', '--root', a, '--json');
    expect(prune.code).toBe(0);
    expect(JSON.parse(prune.out)).toMatchObject({ blobsRemoved: 3 });
    expect(readdirSync(join(a, 'blobs/sha256'))).toEqual([]);

    expect(tsbuild('fsck', '--root', b).code).toBe(0);
    // a corrupted blob makes fsck fail
    const blob = readdirSync(join(b, 'blobs/sha256'))[0]!;
    writeFileSync(join(b, 'blobs/sha256', blob), 'garbage');
    const f = tsbuild('fsck', '--root', b);
    expect(f.code).toBe(1);
    expect(f.out).toContain('corrupt-blob');
  });

  it('save to stdout | load from stdin', () => {
    const a = join(dir, 'pipe-a');
    const b = join(dir, 'pipe-b');
    expect(tsbuild('import', '--root', a, busyboxRootfsTar(), 'pipe:1').code).toBe(0);
    const r = spawnSync('sh', ['-c', `node ${BIN} save --root ${a} pipe:1 | node ${BIN} load --root ${b}`], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Loaded image: pipe:1');
    expect(JSON.parse(tsbuild('inspect', '--root', b, 'pipe:1').out)[0].Id).toBe(JSON.parse(tsbuild('inspect', '--root', a, 'pipe:1').out)[0].Id);
  });

  it('usage errors exit 2', () => {
    expect(tsbuild('load', '--root', dir, 'positional.tar').code).toBe(2);
    expect(tsbuild('images', '--root', dir, '--bogus').code).toBe(2);
    expect(tsbuild('import', '--root', dir, 'only-one-arg').code).toBe(2);
    expect(tsbuild('save', '--root', dir, '-o', join(dir, 'x.tar'), '--format', 'zip', 'x').code).toBe(2);
    expect(tsbuild('load', '--help').code).toBe(0);
  });

  it('errors from the store carry their code', () => {
    const r = tsbuild('import', '--root', join(dir, 'c'), join(dir, 'missing.tar'), 'x:1');
    expect(r.code).toBe(1);
    expect(r.err).toContain('[E_NOT_FOUND]');
  });
});
