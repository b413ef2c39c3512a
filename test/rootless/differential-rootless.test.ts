/**
 * The differential fixtures (fixtures/differential) built rootless by a user the test creates
 * (its own subuid range) and by root, with SOURCE_DATE_EPOCH and --rewrite-timestamp: the layer
 * digests (diff_ids: every byte of every layer tar — owners, modes, content, xattrs) and the
 * config must be equal. Fixtures that need what a user namespace cannot give fail rootless with
 * the kernel's error, as docs/rootless.md says: ids beyond the mapped 65536 (big-ids), device
 * nodes (dev-nodes).
 *
 * Default: a representative dozen (owners, modes, whiteouts, hardlinks, multi-stage, xattrs from
 * archives); TSBUILD_ROOTLESS_DIFF=all runs every fixture (~2 builds of ~1 s each per fixture).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxRootfsTar, REPO_ROOT } from '../helpers/busybox.js';
import { closedToOthers, runTsbuild, TSBUILD_BIN } from '../helpers/cli.js';
import { BENCH_DATA } from '../helpers/docker.js';

const FIXTURES = join(REPO_ROOT, 'fixtures', 'differential');
const SAMPLE = ['chown-name', 'chown-new-user', 'copy-from-owner', 'copy-modes', 'copy-chmod-dirtree', 'copy-over-whiteout',
  'copy-from-deleted', 'add-tar', 'build-args', 'copy-symlink-sources', 'copy-rules', 'copy-overwrite-existing'];
/** need what a user namespace cannot give (docs/rootless.md): the build fails rootless */
const LIMITS: Record<string, RegExp> = {
  'big-ids': /Invalid argument|EINVAL/,
  'add-tar-conflicts': /EINVAL: invalid argument, lchown '\/target\/neg-mtime-big-ids'/,
  'dev-nodes': /Operation not permitted|EPERM/,
};
/** fixtures whose base image another fixture builds first (differential.test.ts's setup) */
const NEEDS_SETUP = /^onbuild/;

const closed = closedToOthers();
if (closed) console.warn(`rootless differential skipped: the repository must be reachable by another user (${closed} has no o+x)`);
const can = !closed && process.getuid?.() === 0 && existsSync('/usr/sbin/useradd') && existsSync('/usr/sbin/runuser') && existsSync('/usr/bin/newuidmap');
const USER = `tsbdiff-${process.pid}`;
const COUNT = 65536;
let uid = 0;
let sub = 0;
let work = '';
let rootStore = '';

interface Fixture { buildArgs?: Record<string, string>; target?: string; expectFailure?: boolean }
const names = readdirSync(FIXTURES).filter((n) => statSync(join(FIXTURES, n)).isDirectory() && existsSync(join(FIXTURES, n, 'Dockerfile')))
  .filter((n) => !(JSON.parse(existsSync(join(FIXTURES, n, 'fixture.json')) ? readFileSync(join(FIXTURES, n, 'fixture.json'), 'utf8') : '{}') as Fixture).expectFailure)
  .filter((n) => !NEEDS_SETUP.test(n))
  .filter((n) => process.env.TSBUILD_ROOTLESS_DIFF === 'all' || SAMPLE.includes(n) || n in LIMITS);

function asUser(args: string[]) {
  const r = spawnSync('runuser', ['-u', USER, '--', 'env', 'SOURCE_DATE_EPOCH=1700000000', TSBUILD_BIN, ...args], { cwd: work, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!can)('differential fixtures rootless vs root', () => {
  beforeAll(() => {
    execFileSync('useradd', ['-m', '-K', 'SUB_UID_COUNT=0', '-K', 'SUB_GID_COUNT=0', USER]);
    uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }));
    let end = 100000;
    for (const f of ['/etc/subuid', '/etc/subgid']) {
      for (const line of (existsSync(f) ? readFileSync(f, 'utf8') : '').split('\n')) {
        const [, s, c] = line.split(':');
        if (Number(c) > 0) end = Math.max(end, Number(s) + Number(c));
      }
    }
    sub = end;
    execFileSync('usermod', ['--add-subuids', `${sub}-${sub + COUNT - 1}`, '--add-subgids', `${sub}-${sub + COUNT - 1}`, USER]);
    work = mkdtempSync(join(`/home/${USER}`, 'diff-'));
    // cp -a: symlinks in the fixtures stay as written
    execFileSync('cp', ['-a', FIXTURES, join(work, 'fixtures')]);
    // the base the differential suite builds on (docker save of localbase/busybox:1, with /etc/shadow), else Debian's busybox
    const dockerBase = join(BENCH_DATA, 'busybox-docker.tar');
    const fromDocker = existsSync(dockerBase);
    copyFileSync(fromDocker ? dockerBase : busyboxRootfsTar('plain'), join(work, 'base.tar'));
    execFileSync('chown', ['-R', `${uid}:${uid}`, work]);
    const add = fromDocker ? ['load', '-i', join(work, 'base.tar')] : ['import', join(work, 'base.tar'), 'localbase/busybox:1'];
    expect(asUser(add).code).toBe(0);
    rootStore = mkdtempSync('/var/tmp/tsbuild-rootless-diff-');
    expect(runTsbuild(['--root', rootStore, ...add]).code).toBe(0);
  });

  afterAll(() => {
    if (uid) {
      spawnSync('pkill', ['-KILL', '-u', USER]);
      spawnSync('usermod', ['--del-subuids', `${sub}-${sub + COUNT - 1}`, '--del-subgids', `${sub}-${sub + COUNT - 1}`, USER]);
      spawnSync('userdel', ['-r', '-f', USER]);
      rmSync(`/home/${USER}`, { recursive: true, force: true });
    }
    if (rootStore) rmSync(rootStore, { recursive: true, force: true });
  });

  test.each(names)('%s', (name) => {
    const fx = JSON.parse(existsSync(join(FIXTURES, name, 'fixture.json')) ? readFileSync(join(FIXTURES, name, 'fixture.json'), 'utf8') : '{}') as Fixture;
    const dir = join(work, 'fixtures', name);
    const args = ['build', '-q', '--network', 'none', '--rewrite-timestamp', '-t', name,
      ...Object.entries(fx.buildArgs ?? {}).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]), ...(fx.target ? ['--target', fx.target] : []), dir];
    const root = runTsbuild(['--root', rootStore, ...args], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
    expect(root.code, root.stderr).toBe(0);
    const user = asUser(args);
    if (LIMITS[name]) {
      expect(user.code).toBe(1);
      expect(user.stderr).toMatch(LIMITS[name]!);
      return;
    }
    expect(user.code, user.stderr).toBe(0);
    const ui = JSON.parse(asUser(['inspect', name]).stdout)[0];
    const ri = JSON.parse(runTsbuild(['--root', rootStore, 'inspect', name]).stdout)[0];
    expect(ui.RootFS.Layers).toEqual(ri.RootFS.Layers);
    expect(ui.Config).toEqual(ri.Config);
  });
});
