/**
 * Rootless builds end to end: a user the test creates (useradd, its /etc/subuid and /etc/subgid
 * ranges written by the test, all removed afterwards) runs the installed bin through runuser.
 * Its images must equal a root build of the same Dockerfile layer for layer (diff_ids: the tar
 * bytes, so owners, modes, content and xattrs), its store must hold nothing owned outside its own
 * uid and subuid range, and RUN keeps its isolation. Also the single-uid mapping (forced, as on a
 * host without subuid ranges) and an unprivileged container (`unshare --user --map-root-user`).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawnSync, execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxRootfsTar } from '../helpers/busybox.js';
import { closedToOthers, runTsbuild, TSBUILD_BIN } from '../helpers/cli.js';

const tool = (n: string) => ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].map((d) => `${d}/${n}`).find((p) => existsSync(p));
const maxUserns = (() => {
  try {
    return Number(readFileSync('/proc/sys/user/max_user_namespaces', 'utf8'));
  } catch {
    return 0;
  }
})();
const closed = closedToOthers();
const missing = [
  closed && `the repository must be reachable by another user (${closed} has no o+x)`,
  process.getuid?.() !== 0 && 'the test runs as root (it creates a user)',
  !tool('useradd') && 'useradd', !tool('runuser') && 'runuser', !tool('newuidmap') && 'newuidmap (uidmap)',
  maxUserns === 0 && 'user namespaces (max_user_namespaces is 0)',
].filter(Boolean);
if (missing.length) console.warn(`rootless tests skipped: ${missing.join(', ')}`);

const USER = `tsbtest-${process.pid}`;
const EPOCH = '1700000000';
let uid = 0;
let sub = 0;
const COUNT = 65536;
let home = '';
let ctx = '';
let rootStore = '';
let baseTar = '';

const MULTISTAGE = `FROM busybox AS build
RUN echo hi > /f && chown 1000:1000 /f \\
 && mkdir /d && chown 65534:65534 /d && chmod 750 /d \\
 && echo 'bob:x:2345:2345::/home/bob:/bin/sh' >> /etc/passwd && echo 'bob:x:2345:' >> /etc/group \\
 && mkdir -p /home/bob && echo b > /home/bob/.profile && chown -R bob:bob /home/bob \\
 && cp /bin/busybox /su-like && chmod 4755 /su-like && rm /etc/group- 2>/dev/null; rm -f /etc/shadow; true
FROM busybox
COPY --from=build /f /out/f
COPY --from=build /d /out/d
COPY --from=build /home/bob /home/bob
COPY --from=build /su-like /out/su-like
COPY --from=build /etc/passwd /etc/passwd
RUN rm -rf /home/app && mkdir /srv && chown 2345:65534 /srv && mkdir -p /junk/sub && echo x > /junk/sub/x
RUN rm -rf /junk /bin/vi && mkdir /junk && echo n > /junk/new
USER bob
RUN id -u > /tmp/who
`;

/** run the installed bin as the test user (cwd: its home), env pairs before it */
function asUser(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync('runuser', ['-u', USER, '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), TSBUILD_BIN, ...args], { cwd: home, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function writeCtx(name: string, dockerfile: string): string {
  const dir = join(ctx, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  execFileSync('chown', ['-R', `${uid}:${uid}`, ctx]);
  return dir;
}

function inspect(out: string): { RootFS: { Layers: string[] }; Config: Record<string, unknown> } {
  return JSON.parse(out)[0];
}

/** `tar -tv` of a tar, numeric owners, sorted: mode, owner, size and name per entry */
function listing(tarPath: string): string[] {
  return execFileSync('tar', ['--numeric-owner', '-tvf', tarPath], { encoding: 'utf8' }).trim().split('\n')
    .map((l) => l.split(/\s+/)).map((f) => `${f[0]} ${f[1]} ${f[2]} ${f.slice(5).join(' ')}`).sort();
}

describe.skipIf(missing.length > 0)('rootless builds', () => {
  beforeAll(() => {
    // no automatic range: the test writes its own, past every range already given out
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
    home = `/home/${USER}`;
    ctx = mkdtempSync(join(home, 'ctx-'));
    baseTar = join(home, 'busybox.tar');
    copyFileSync(busyboxRootfsTar('plain'), baseTar);
    chmodSync(home, 0o755);
    execFileSync('chown', ['-R', `${uid}:${uid}`, ctx, baseTar]);
    const imp = asUser(['import', baseTar, 'busybox:latest']);
    expect(imp.stderr).toBe('');
    expect(imp.code).toBe(0);
    rootStore = mkdtempSync('/var/tmp/tsbuild-rootless-root-');
    expect(runTsbuild(['--root', rootStore, 'import', baseTar, 'busybox:latest']).code).toBe(0);
  });

  afterAll(() => {
    if (uid) {
      spawnSync('pkill', ['-KILL', '-u', USER]);
      spawnSync('usermod', ['--del-subuids', `${sub}-${sub + COUNT - 1}`, '--del-subgids', `${sub}-${sub + COUNT - 1}`, USER]);
      spawnSync('userdel', ['-r', '-f', USER]);
      rmSync(home, { recursive: true, force: true });
    }
    if (rootStore) rmSync(rootStore, { recursive: true, force: true });
  });

  test('store in ~/.local/share/tsbuild, owned by the user', () => {
    const store = join(home, '.local/share/tsbuild');
    expect(existsSync(join(store, 'index.json'))).toBe(true);
    expect(lstatSync(store).uid).toBe(uid);
    expect(lstatSync(store).mode & 0o777).toBe(0o700);
  });

  test('multi-stage build with other owners: the same layers as a root build, file by file', () => {
    const dir = writeCtx('multi', MULTISTAGE);
    const env = { SOURCE_DATE_EPOCH: EPOCH };
    const args = ['build', '-q', '--network', 'none', '--rewrite-timestamp', '-t', 'multi', dir];
    const user = asUser(args, env);
    expect(user.stderr).toBe('');
    expect(user.code).toBe(0);
    const root = runTsbuild(['--root', rootStore, ...args], { env });
    expect(root.code).toBe(0);
    const ui = inspect(asUser(['inspect', 'multi']).stdout);
    const ri = inspect(runTsbuild(['--root', rootStore, 'inspect', 'multi']).stdout);
    expect(ui.RootFS.Layers).toHaveLength(9);
    expect(ui.RootFS.Layers).toEqual(ri.RootFS.Layers);
    expect(ui.Config).toEqual(ri.Config);
    // the final filesystem, entry by entry, with the owners a root build gives
    const ut = join(home, 'u.tar');
    expect(asUser(['build', '-q', '--network', 'none', '-o', `type=tar,dest=${ut}`, dir], env).code).toBe(0);
    const rt = join(rootStore, 'r.tar');
    expect(runTsbuild(['--root', rootStore, 'build', '-q', '--network', 'none', '-o', `type=tar,dest=${rt}`, dir], { env }).code).toBe(0);
    const ul = listing(ut);
    expect(ul).toEqual(listing(rt));
    const entry = (name: string) => ul.find((l) => l.endsWith(` ./${name}`) || l.endsWith(` ./${name}/`));
    expect(entry('out/f')).toMatch(/^-rw-r--r-- 1000\/1000 3 /);
    expect(entry('home/bob/.profile')).toMatch(/^-rw-r--r-- 2345\/2345 /);
    expect(entry('out/su-like')).toMatch(/^-rwsr-xr-x 0\/0 /);
    expect(entry('srv')).toMatch(/^drwxr-xr-x 2345\/65534 /);
    expect(entry('home/app')).toBeUndefined();
    // a lower directory replaced (whiteouts, an opaque dir: overlay's user.* markers in the namespace)
    expect(entry('junk/new')).toBeDefined();
    expect(entry('junk/sub/x')).toBeUndefined();
    expect(entry('bin/vi')).toBeUndefined();
    expect(readFileSync(join(home, 'u.tar')).includes(Buffer.from(`${2345}\n`))).toBe(true); // /tmp/who: the step ran as bob
  });

  test('nothing in the store is owned outside the user and its subuid range', () => {
    const store = join(home, '.local/share/tsbuild');
    const bad: string[] = [];
    const seen = new Set<number>();
    const walk = (p: string) => {
      const st = lstatSync(p);
      seen.add(st.uid);
      const ok = (id: number) => id === uid || (id >= sub && id < sub + COUNT);
      if (!ok(st.uid) || !ok(st.gid)) bad.push(`${st.uid}:${st.gid} ${p}`);
      if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
    };
    walk(store);
    expect(bad).toEqual([]);
    // uid 1000 and 2345 inside are subuid start + id - 1 outside
    expect(seen.has(sub + 999)).toBe(true);
    expect(seen.has(sub + 2344)).toBe(true);
  });

  test('isolation rootless: no host file, PID 1, no network with --network none, no process left', () => {
    const marker = join(home, `secret-${process.pid}`);
    writeFileSync(marker, 'host secret\n');
    execFileSync('chown', [`${uid}:${uid}`, marker]);
    const nap = 7000 + (process.pid % 1000);
    const dir = writeCtx('iso', `FROM busybox
RUN test ! -e ${marker} && ! cat ${marker} 2>/dev/null; echo "pid1=$(cat /proc/1/comm) uid=$(id -u)"; echo "ifs=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ,)"; (sleep ${nap} &); echo done
`);
    const r = asUser(['build', '--progress', 'plain', '--no-cache', '--network', 'none', dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('host secret');
    expect(r.stderr).toMatch(/pid1=sh uid=0/);
    expect(r.stderr).toMatch(/ifs=lo,\n/);
    const left = spawnSync('pgrep', ['-u', USER, '-f', `sleep ${nap}`], { encoding: 'utf8' });
    expect(left.stdout.trim()).toBe('');
  });

  test("RUN's default network works rootless, or fails naming /dev/net/tun", () => {
    const dir = writeCtx('net', 'FROM busybox\nRUN ip -o link | cut -d: -f2 | tr -d " " | sort | tr "\\n" ,\n');
    const r = asUser(['build', '--progress', 'plain', '--no-cache', dir]);
    let tunOk = true;
    try {
      execFileSync('runuser', ['-u', USER, '--', 'test', '-r', '/dev/net/tun', '-a', '-w', '/dev/net/tun']);
    } catch {
      tunOk = false;
    }
    if (tunOk) expect(r.code).toBe(0);
    else {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('rootless builds need /dev/net/tun readable and writable by the user');
      expect(asUser(['info']).stdout).toMatch(/network:\s+\/dev\/net\/tun is not readable and writable/);
    }
  });

  test('info / doctor as the user: its range, the full mapping, the build\'s executor and snapshotter', () => {
    const r = asUser(['doctor']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`user:\\s+uid ${uid} \\(${USER}\\), root in a user namespace`));
    expect(r.stdout).toContain(`subuid:      ${sub}-${sub + COUNT - 1} (${COUNT})`);
    expect(r.stdout).toMatch(/mapping:\s+full: 65537 uids mapped/);
    expect(r.stdout).toMatch(/snapshotter: overlayfs/);
    expect(r.stdout).toMatch(/userns:\s+allowed/);
    // the plain bundle's start re-executes itself too (bin/tsbuild.js → the launcher)
    const plain = asUser(['info'], { TSBUILD_NO_SNAPSHOT: '1' });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/mapping:\s+full: 65537 uids mapped/);
    expect(plain.stdout).not.toContain('startup snapshot');
    const json = JSON.parse(asUser(['info', '--json']).stdout);
    expect(json.store).toBe(join(home, '.local/share/tsbuild'));
  });

  test('single mapped uid (forced, as without subuid ranges): a warning; other owners cannot be made', () => {
    const env = { TSBUILD_USERNS_MAP: 'single', TSBUILD_ROOT: join(home, 'single-store') };
    expect(asUser(['import', baseTar, 'busybox:latest'], env).code).toBe(0);
    const ok = asUser(['build', '-q', '--network', 'none', '-t', 'one', writeCtx('single-ok', 'FROM busybox\nRUN echo x > /x && ls -ln /home\n')], env);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/^warning: rootless with a single mapped uid \(asked for\)/);
    const chown = asUser(['build', '-q', '--network', 'none', writeCtx('single-chown', 'FROM busybox\nRUN touch /f && chown 1000 /f\n')], env);
    expect(chown.code).toBe(1);
    expect(chown.stderr).toContain('Invalid argument');
    const user = asUser(['build', '-q', '--network', 'none', writeCtx('single-user', 'FROM busybox\nUSER 1000\nRUN id\n')], env);
    expect(user.code).toBe(1);
    expect(user.stderr).toContain('[E_ROOTLESS]');
    expect(user.stderr).toContain("the step's user 1000:1000 does not exist in this user namespace");
    expect(asUser(['info'], env).stdout).toMatch(/mapping:\s+single: 1 uid mapped/);
  });

  test('a user namespace made before tsbuild (unprivileged container): works with the single-mapping warning', () => {
    const store = mkdtempSync('/var/tmp/tsbuild-rootless-ct-');
    try {
      // (root inside that namespace is the host's root without its capabilities over the test user's files)
      const dir = join(store, 'ctx');
      mkdirSync(dir);
      writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nRUN echo in-ct > /x && cat /proc/self/uid_map\n');
      const run = (args: string[]) => spawnSync('unshare', ['--user', '--map-root-user', TSBUILD_BIN, '--root', store, ...args], { encoding: 'utf8' });
      copyFileSync(baseTar, join(store, 'base.tar'));
      expect(run(['import', join(store, 'base.tar'), 'busybox:latest']).status).toBe(0);
      const r = run(['build', '--progress', 'plain', '--network', 'none', dir]);
      expect(r.stderr).toContain('warning: this user namespace maps 1 uid only');
      expect(r.stderr).toMatch(/0\s+0\s+1\n/);
      expect(r.status).toBe(0);
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  });
});
