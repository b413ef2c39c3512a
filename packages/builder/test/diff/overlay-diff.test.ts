import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { OverlaySnapshotter } from '../../src/snapshot/overlay.js';
import { UnshareExecutor } from '../../src/exec/unshare.js';
import { overlayDiff } from '../../src/diff/overlay-diff.js';
import type { Mounted, RunSpec } from '../../src/exec/types.js';
import { busyboxRootfs } from '../../../../test/helpers/busybox.js';
import { readLayer, type TarEntry } from './layer-tar.js';

const work = mkdtempSync('/var/tmp/tsbuild-diff-test-');
const snap = new OverlaySnapshotter();
const exec = new UnshareExecutor({ tmpDir: work });
let n = 0;
const mounted: Mounted[] = [];

async function mount(lowers: string[]): Promise<Mounted> {
  const m = await snap.prepare(lowers, { scratchDir: join(work, `s${n++}`) });
  mounted.push(m);
  return m;
}

async function sh(m: Mounted, script: string, extra: Partial<RunSpec> = {}): Promise<void> {
  const err: Buffer[] = [];
  const r = await exec.run({
    rootfs: m.root, args: ['/bin/sh', '-c', script], env: ['PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin'], cwd: '/',
    user: { uid: 0, gid: 0, additionalGids: [] }, network: 'none', hostname: 'diff', mounts: [], onStderr: (c) => err.push(c), ...extra,
  });
  expect(r.exitCode, Buffer.concat(err).toString()).toBe(0);
}

async function layer(m: Mounted, lowers: string[], opts: { sourceDateEpoch?: number; exclude?: string[] } = {}): Promise<TarEntry[]> {
  return (await readLayer(overlayDiff(m, lowers, opts))).entries;
}

const byName = (entries: TarEntry[]) => new Map(entries.map((e) => [e.name, e]));

afterAll(async () => {
  for (const m of mounted) await m.release();
  rmSync(work, { recursive: true, force: true });
});

describe('overlayDiff', () => {
  let base: string;
  beforeAll(() => {
    base = busyboxRootfs();
  });

  test('a step that changes nothing gives an empty layer (mount stubs and /etc copy-up leave no trace)', async () => {
    const m = await mount([base]);
    await sh(m, 'cat /etc/hosts /etc/resolv.conf >/dev/null; ls /proc /dev /sys >/dev/null');
    expect(await layer(m, [base])).toEqual([]);
  });

  test('added, modified, chmod/chown, deleted file and dir, hardlink, symlink', async () => {
    const m = await mount([base]);
    await sh(m, [
      'printf hello > /new.txt && chmod 640 /new.txt && chown 1000:50 /new.txt',
      'echo extra:x:2000:2000::/:/bin/sh >> /etc/passwd',
      'chmod 600 /etc/group && chown 1000:1000 /etc/group',
      'rm /bin/ls',
      'rm -rf /home/app',
      'mkdir -p /opt/d && printf x > /opt/d/h1 && ln /opt/d/h1 /opt/d/h2',
      'ln -s /etc/passwd /opt/sl',
      'mknod /opt/fifo p',
    ].join(' && '));
    const entries = await layer(m, [base]);
    const e = byName(entries);
    expect(e.get('new.txt')).toMatchObject({ type: 'file', mode: 0o640, uid: 1000, gid: 50, content: 'hello', uname: '', gname: '' });
    expect(e.get('etc/')).toMatchObject({ type: 'directory' });
    expect(e.get('etc/passwd')?.content).toContain('extra:x:2000');
    expect(e.get('etc/group')).toMatchObject({ type: 'file', mode: 0o600, uid: 1000, gid: 1000 });
    expect(e.get('bin/.wh.ls')).toMatchObject({ type: 'file', size: 0, mode: 0o600, uid: 0, gid: 0 });
    expect(e.has('bin/ls')).toBe(false);
    expect(e.get('home/.wh.app')).toMatchObject({ type: 'file', size: 0 });
    expect(e.get('opt/d/h1')).toMatchObject({ type: 'file', content: 'x' });
    expect(e.get('opt/d/h2')).toMatchObject({ type: 'link', linkname: 'opt/d/h1' });
    expect(e.get('opt/sl')).toMatchObject({ type: 'symlink', linkname: '/etc/passwd' });
    expect(e.get('opt/fifo')).toMatchObject({ type: 'fifo' });
    // nothing else: the unchanged parts of the rootfs, the stubs, /proc etc. are not in the layer
    expect(entries.map((x) => x.name)).toEqual([
      'bin/', 'bin/.wh.ls', 'etc/', 'etc/group', 'etc/passwd', 'home/', 'home/.wh.app', 'new.txt',
      'opt/', 'opt/d/', 'opt/d/h1', 'opt/d/h2', 'opt/fifo', 'opt/sl',
    ]);
    // whole-second mtimes, parents before children
    for (const x of entries) expect(Number.isInteger(x.mtime)).toBe(true);
  });

  test('rm -rf dir && mkdir dir over a lower dir → opaque; a new dir is not marked', async () => {
    const m1 = await mount([base]);
    await sh(m1, 'mkdir -p /data/sub && echo a > /data/a && echo b > /data/sub/b');
    // the first step's upperdir becomes a lowerdir, as the layer store hands it over
    const layer1 = join(work, 'layer1');
    execFileSync('cp', ['-a', m1.upperdir, layer1]);
    const lowers = [base, layer1];
    const m2 = await mount(lowers);
    await sh(m2, 'rm -rf /data && mkdir /data && echo c > /data/c && mkdir /fresh && echo f > /fresh/f');
    const entries = await layer(m2, lowers);
    const names = entries.map((x) => x.name);
    expect(names).toEqual(['data/', 'data/.wh..wh..opq', 'data/c', 'fresh/', 'fresh/f']);
    // the marker as BuildKit writes it: the dir's permission bits, mtime 0
    expect(entries[1]).toMatchObject({ type: 'file', mode: 0o755, mtime: 0, size: 0 });
    // in the running rootfs the old contents really are gone
    await sh(m2, 'test ! -e /data/a && test ! -e /data/sub');
  });

  test('deleting a lower file inside an unchanged dir emits the parent dir and the whiteout only', async () => {
    const m = await mount([base]);
    await sh(m, 'rm /etc/group');
    expect((await layer(m, [base])).map((x) => x.name)).toEqual(['etc/', 'etc/.wh.group']);
  });

  test('copy-ups that change nothing are not in the layer; same-second rewrites and capability changes are', async () => {
    const m = await mount([base]);
    await sh(m, 'chown root:root /etc/passwd && chmod 644 /etc/group && : >> /etc/passwd');
    expect(await layer(m, [base])).toEqual([]);

    const m1 = await mount([base]);
    await sh(m1, 'printf AAAA > /x && printf AAAA > /y && cp /bin/busybox /c && touch -d @1700000000 /x /y');
    const layer1 = join(work, 'layer-sec');
    execFileSync('cp', ['-a', m1.upperdir, layer1]);
    const lowers = [base, layer1];
    const m2 = await mount(lowers);
    // /x: same size and (whole-second) mtime but other bytes → changed; /y: rewritten identically → unchanged
    await sh(m2, 'printf BBBB > /x && printf AAAA > /y && touch -d @1700000000 /x /y && chmod 755 /c');
    execFileSync('setcap', ['cap_net_raw+ep', join(m2.root, 'c')]);
    const names = (await layer(m2, lowers)).map((e) => e.name);
    expect(names).toEqual(['c', 'x']);

    // an unchanged lower file that got a new hardlink stays in the layer, with the link
    const m3 = await mount([base]);
    await sh(m3, 'mkdir /h && ln /bin/busybox /h/bb');
    const linked = await layer(m3, [base]);
    expect(linked.map((e) => `${e.name} ${e.type} ${e.linkname ?? ''}`.trim())).toEqual(['bin/ directory', 'bin/busybox file', 'h/ directory', 'h/bb link bin/busybox']);
  });

  test('mode 0 stays 0 (tar-stream would turn it into 0644)', async () => {
    const m = await mount([base]);
    await sh(m, 'printf z > /zero && chmod 0 /zero && mkdir /d0 && chmod 0 /d0');
    const e = byName(await layer(m, [base]));
    expect(e.get('zero')).toMatchObject({ type: 'file', mode: 0 });
    expect(e.get('d0/')).toMatchObject({ type: 'directory', mode: 0 });
  });

  test('sourceDateEpoch clamps mtimes; exclude drops paths', async () => {
    const m = await mount([base]);
    await sh(m, 'echo 1 > /a && echo 2 > /b && touch -d @1000 /b');
    const entries = await layer(m, [base], { sourceDateEpoch: 5000, exclude: ['skip-me'] });
    const e = byName(entries);
    expect(e.get('a')?.mtime).toBe(5000);
    expect(e.get('b')?.mtime).toBe(1000);
    const ex = await layer(m, [base], { exclude: ['/b'] });
    expect(ex.map((x) => x.name)).toEqual(['a']);
  });

  test('security.capability is kept as a binary-exact PAX xattr', async () => {
    const m = await mount([base]);
    await sh(m, 'cp /bin/busybox /ping');
    execFileSync('setcap', ['cap_net_raw,cap_setuid+ep', join(m.root, 'ping')]);
    const { raw, entries } = await readLayer(overlayDiff(m, [base], {}));
    expect(entries.map((x) => x.name)).toEqual(['ping']);
    const out = join(work, 'cap-extract');
    mkdirSync(out);
    writeFileSync(join(work, 'cap.tar'), raw);
    execFileSync('tar', ['--xattrs', '--xattrs-include=*', '-xf', join(work, 'cap.tar'), '-C', out]);
    expect(execFileSync('getcap', [join(out, 'ping')], { encoding: 'utf8' })).toMatch(/cap_setuid,cap_net_raw=ep|cap_net_raw,cap_setuid=ep/);
  });

  test('mtimes before 1970 / from 2038 and ids past the octal range go into PAX records', async () => {
    const m = await mount([base]);
    await sh(m, 'echo n > /neg && touch -d @-86400 /neg && echo b > /big && chown 3000000:4294967294 /big && touch -d @1500000000 /big && echo f > /future && touch -d @4102444800 /future');
    const { raw } = await readLayer(overlayDiff(m, [base], {}));
    writeFileSync(join(work, 'pax.tar'), raw);
    const listing = execFileSync('tar', ['--numeric-owner', '--full-time', '-tvf', join(work, 'pax.tar')], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    expect(listing).toMatch(/ 0\/0 +2 1969-12-31 00:00:00 neg\n/);
    expect(listing).toMatch(/ 3000000\/4294967294 +2 2017-07-14 02:40:00 big\n/);
    expect(listing).toMatch(/ 0\/0 +2 2100-01-01 00:00:00 future\n/);
    expect(raw.includes('16 mtime=-86400\n')).toBe(true);
  });

  test('a dir whose mtime alone changed is not in the layer (current BuildKit compares dirs by mode and owner)', async () => {
    const m = await mount([base]);
    await sh(m, 'echo t > /tmp/t && rm /tmp/t && touch -d @1500000000 /etc && chmod 751 /root');
    expect((await layer(m, [base])).map((x) => x.name)).toEqual(['root/']);
  });

  test('a dir removed in one layer and made again later is new: not compared with the removed one', async () => {
    // same owner, mode and mtime second as the removed /app/sub: without the whiteout of /app in
    // the layer between, /app/sub would look unchanged and be left out (the layer would lose it)
    const make = 'mkdir -p /app/sub && chown -R 1000:1000 /app && touch -d @1500000000 /app/sub /app';
    const ma = await mount([base]);
    await sh(ma, make);
    const la = join(work, 'layer-app');
    execFileSync('cp', ['-a', ma.upperdir, la]);
    const mb = await mount([base, la]);
    await sh(mb, 'rm -rf /app');
    const lb = join(work, 'layer-rm-app');
    execFileSync('cp', ['-a', mb.upperdir, lb]);
    const lowers = [base, la, lb];
    const mc = await mount(lowers);
    await sh(mc, make);
    expect((await layer(mc, lowers)).map((x) => [x.name, x.uid])).toEqual([['app/', 1000], ['app/sub/', 1000]]);
  });

  test('scratch (no lowerdirs) mounts an empty rootfs', async () => {
    const m = await mount([]);
    expect(execFileSync('ls', ['-A', m.root], { encoding: 'utf8' })).toBe('');
    writeFileSync(join(m.root, 'f'), 'x');
    expect((await layer(m, [])).map((x) => x.name)).toEqual(['f']);
  });
});
