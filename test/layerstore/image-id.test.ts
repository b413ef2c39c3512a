/**
 * One image ID everywhere, docker's: the config digest. docker 20.10 prints it as `docker images`'
 * IMAGE ID and `-q` (12 hex digits), `docker image inspect`'s `.Id` and `--iidfile`; tsbuild's
 * images, inspect, import, load and `build --iidfile`/`-q` say the same, and the ID names the image
 * wherever a name does. Through the installed bin.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTsbuild } from '../helpers/cli.js';
import { busyboxRootfsTar } from '../helpers/busybox.js';
import { STORE_TMP } from '../helpers/store.js';
import { DOCKER, dockerAvailable } from '../helpers/docker.js';

let dir: string;
let root: string;
beforeAll(() => {
  mkdirSync(STORE_TMP, { recursive: true });
  dir = mkdtempSync(join(STORE_TMP, 'image-id-'));
  root = join(dir, 'root');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ts = (...args: string[]) => {
  const r = runTsbuild([...args, '--root', root]);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
};
type Inspected = { Id: string; ManifestDigest: string; ConfigDigest: string; RepoTags: string[] };

describe('the image ID', () => {
  it('is the config digest in build --iidfile and -q, images, inspect, and names the image', () => {
    const ctx = join(dir, 'ctx');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY a /a\nLABEL id=test\n');
    writeFileSync(join(ctx, 'a'), 'a\n');
    const iidfile = join(dir, 'iid');
    const quiet = ts('build', '-q', '-t', 'idtest:1', '--iidfile', iidfile, ctx).trim();
    const iid = readFileSync(iidfile, 'utf8');
    expect(iid).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(quiet).toBe(iid);

    const [info] = JSON.parse(ts('inspect', 'idtest:1')) as Inspected[];
    expect(info!.Id).toBe(iid);
    expect(info!.ConfigDigest).toBe(iid);
    // the manifest's digest is another one, shown as such
    expect(info!.ManifestDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(info!.ManifestDigest).not.toBe(iid);

    const short = iid.slice(7, 19);
    expect(ts('images', '-q').trim().split('\n')).toEqual([short]);
    expect(ts('images').split('\n')[1]).toMatch(new RegExp(`^idtest:1\\s+${short}\\s`));
    const [listed] = JSON.parse(ts('images', '--json')) as { id: string; manifestDigest: string; configDigest: string }[];
    expect(listed).toMatchObject({ id: iid, manifestDigest: info!.ManifestDigest, configDigest: iid });

    // the ID (whole or a prefix) and the manifest digest all name the image
    for (const ref of [iid, short, info!.ManifestDigest]) expect((JSON.parse(ts('inspect', ref)) as Inspected[])[0]!.RepoTags).toEqual(['idtest:1']);
    ts('tag', iid, 'idtest:2');
    expect((JSON.parse(ts('inspect', 'idtest:2')) as Inspected[])[0]!.Id).toBe(iid);

    // rmi by ID, as docker rmi: the image's one tag; with two, only with -f (then both)
    const two = runTsbuild(['rmi', '--root', root, short]);
    expect(two.code).toBe(1);
    expect(two.stderr).toContain(`image ${short} has 2 tags (idtest:1, idtest:2): name one, or remove them all with -f`);
    expect(ts('images', '-q').trim()).toBe(`${short}\n${short}`); // a row a tag, as docker images -q
    expect(ts('rmi', '-f', iid)).toBe('Untagged: idtest:1\nUntagged: idtest:2\n');
    expect(ts('images', '-q')).toBe('');
    ts('tag', info!.ManifestDigest, 'idtest:3');
    expect(ts('rmi', short)).toBe('Untagged: idtest:3\n');
    const none = runTsbuild(['rmi', '--root', root, short]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`no such image: ${short}`);
  });

  // the reference these tests pin: what the docker here (20.10, BuildKit) calls an image's ID
  const docker = dockerAvailable();
  it.skipIf(!docker)(`docker${docker ? '' : ` (skipped: no daemon answers ${DOCKER} info)`}: --iidfile, images -q, image inspect .Id and docker save all give the config digest`, () => {
    const ctx = join(dir, 'docker-ctx');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY a /a\nLABEL id=docker\n');
    writeFileSync(join(ctx, 'a'), 'a\n');
    const tag = `tsbuild-image-id-test:${process.pid}`;
    const iidfile = join(dir, 'docker-iid');
    try {
      execFileSync(DOCKER, ['build', '-q', '--network=none', '--iidfile', iidfile, '-t', tag, ctx], { env: { ...process.env, DOCKER_BUILDKIT: '1' }, stdio: 'pipe' });
      const iid = readFileSync(iidfile, 'utf8').trim();
      expect(execFileSync(DOCKER, ['images', '-q', tag], { encoding: 'utf8' }).trim()).toBe(iid.slice(7, 19));
      expect(execFileSync(DOCKER, ['image', 'inspect', '-f', '{{.Id}}', tag], { encoding: 'utf8' }).trim()).toBe(iid);
      const manifest = JSON.parse(execFileSync('sh', ['-c', `"${DOCKER}" save "${tag}" | tar -xOf - manifest.json`], { encoding: 'utf8' })) as { Config: string }[];
      expect(manifest[0]!.Config).toBe(`${iid.slice(7)}.json`);
    } finally {
      spawnSync(DOCKER, ['rmi', '-f', tag], { stdio: 'ignore' });
    }
  });

  it('import and load print it too', () => {
    const imported = ts('import', busyboxRootfsTar(), 'idbase:1').trim();
    const [info] = JSON.parse(ts('inspect', 'idbase:1')) as Inspected[];
    expect(imported).toBe(info!.Id);
    expect(imported).toBe(info!.ConfigDigest);
    const archive = join(dir, 'untagged.tar');
    ts('save', '--format', 'oci', '-o', archive, imported);
    const other = join(dir, 'other');
    const r = runTsbuild(['load', '--root', other, '-i', archive]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Loaded image ID: ${imported}`);
  });
});
