import { afterAll, describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OverlaySnapshotter } from '../../src/snapshot/overlay.js';
import { CopySnapshotter } from '../../src/snapshot/copy.js';
import { detectSnapshotter } from '../../src/snapshot/detect.js';
import { UnshareExecutor } from '../../src/exec/unshare.js';
import { treeDiff } from '../../src/diff/tree-diff.js';
import { diffLayer } from '../../src/diff/diff-layer.js';
import type { Mounted, RunSpec } from '../../src/exec/types.js';
import { busyboxRootfs } from '../../../../test/helpers/busybox.js';
import { readLayer } from '../diff/layer-tar.js';

const work = mkdtempSync('/var/tmp/tsbuild-copy-test-');
const exec = new UnshareExecutor({ tmpDir: work });
const mounted: Mounted[] = [];
let n = 0;

async function sh(m: Mounted, script: string, extra: Partial<RunSpec> = {}): Promise<string> {
  const out: Buffer[] = [];
  const r = await exec.run({
    rootfs: m.root, args: ['/bin/sh', '-c', script], env: ['PATH=/bin'], cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] },
    network: 'none', hostname: 'c', mounts: [], onStdout: (c) => out.push(c), onStderr: (c) => out.push(c), ...extra,
  });
  expect(r.exitCode, Buffer.concat(out).toString()).toBe(0);
  return Buffer.concat(out).toString();
}

/** type, mode, owner, size, link target of every path (mtimes aside) */
function listing(dir: string): string {
  return execFileSync('find', ['.', '-printf', '%p %y %m %U %G %s %l\n'], { cwd: dir, encoding: 'utf8' })
    .split('\n').filter((l) => l && !l.startsWith('. ')).map((l) => (/ d /.test(l) ? l.replace(/ d (\d+ \d+ \d+) \d+/, ' d $1 -') : l)).sort().join('\n');
}

afterAll(async () => {
  for (const m of mounted) await m.release();
  exec.dispose();
  rmSync(work, { recursive: true, force: true });
});

describe('CopySnapshotter + treeDiff', () => {
  const base = busyboxRootfs();
  let layer1: string;

  test('copying the layers gives the same tree as overlayfs (whiteouts and opaque dirs applied)', async () => {
    const ovl = new OverlaySnapshotter();
    const m1 = await ovl.prepare([base], { scratchDir: join(work, `o${n++}`) });
    mounted.push(m1);
    await sh(m1, 'mkdir -p /data/sub && echo a > /data/a && echo b > /data/sub/b && rm /bin/ls && rm -rf /home');
    layer1 = join(work, 'layer1');
    execFileSync('cp', ['-a', m1.upperdir, layer1]);
    const m2 = await ovl.prepare([base, layer1], { scratchDir: join(work, `o${n++}`) });
    mounted.push(m2);
    await sh(m2, 'rm -rf /data && mkdir /data && echo c > /data/c && ln -s /data/c /link');
    const layer2 = join(work, 'layer2');
    execFileSync('cp', ['-a', m2.upperdir, layer2]);
    const lowers = [base, layer1, layer2];
    const merged = await ovl.prepare(lowers, { scratchDir: join(work, `o${n++}`) });
    mounted.push(merged);
    const copy = await new CopySnapshotter().prepare(lowers, { scratchDir: join(work, `c${n++}`) });
    mounted.push(copy);
    expect(copy.overlay).toBe(false);
    const got = listing(copy.root);
    expect(got).toBe(listing(merged.root));
    expect(got).toMatch(/^\.\/data\/c f /m);
    expect(got).toMatch(/^\.\/link l .* \/data\/c$/m);
    expect(got).not.toMatch(/^\.\/data\/(a|sub)/m);
    expect(got).not.toMatch(/^\.\/(bin\/ls|home) /m);
    expect(got).toMatch(/^\.\/bin\/cat l /m);
  });

  test('treeDiff of a rootfs the copying snapshotter did not prepare: the stream fails with E_USAGE, even for a consumer that comes late (pipeline reports it)', async () => {
    const stream = treeDiff({ root: work, upperdir: work, release: async () => undefined } as unknown as Mounted, [], {});
    await new Promise((r) => setTimeout(r, 20)); // the failure happens before anyone listens
    const err = (await pipeline(stream, new Writable({ write: (_c, _e, cb) => cb() })).catch((e: unknown) => e)) as { code?: string };
    expect(err.code).toBe('E_USAGE');
  });

  test('treeDiff: added, changed, deleted (files and dirs), replaced dir, hardlinks, symlinks; nothing for an unchanged step', async () => {
    const lowers = [base, layer1];
    const copy = await new CopySnapshotter().prepare(lowers, { scratchDir: join(work, `c${n++}`) });
    mounted.push(copy);
    await sh(copy, 'cat /etc/passwd > /dev/null');
    expect((await readLayer(diffLayer(copy, lowers, {}))).entries).toEqual([]);
    await sh(copy, [
      'printf hello > /new.txt && chown 1000:50 /new.txt',
      'echo more >> /etc/passwd',
      'chmod 600 /etc/group',
      'rm /bin/cat',
      'rm -rf /data && mkdir /data && echo z > /data/z',
      'printf h > /h1 && ln /h1 /h2 && ln -s /h1 /s1',
      // a dir whose mtime alone changes is not a change (as BuildKit's differs)
      'echo t > /tmp/t && rm /tmp/t && touch -d @1500000000 /root',
    ].join(' && '));
    const { entries } = await readLayer(treeDiff(copy, lowers, { sourceDateEpoch: 1700000000 }));
    const names = entries.map((e) => e.name);
    expect(names).toEqual([
      'bin/', 'bin/.wh.cat', 'data/', 'data/.wh.a', 'data/.wh.sub', 'data/z', 'etc/', 'etc/group', 'etc/passwd', 'h1', 'h2', 'new.txt', 's1',
    ]);
    const e = new Map(entries.map((x) => [x.name, x]));
    expect(e.get('new.txt')).toMatchObject({ content: 'hello', uid: 1000, gid: 50 });
    expect(e.get('etc/group')).toMatchObject({ mode: 0o600 });
    expect(e.get('h2')).toMatchObject({ type: 'link', linkname: 'h1' });
    expect(e.get('s1')).toMatchObject({ type: 'symlink', linkname: '/h1' });
    for (const x of entries) expect(x.mtime).toBeLessThanOrEqual(1700000000);
  });

  test('detectSnapshotter picks overlayfs here, copy on request', async () => {
    const got = await detectSnapshotter({ scratchDir: join(work, 'probe') });
    expect(got.snapshotter.name).toBe('overlayfs');
    expect(got.message).toBe('snapshotter: overlayfs');
    const copy = await detectSnapshotter({ scratchDir: join(work, 'probe'), prefer: 'copy' });
    expect(copy.snapshotter.name).toBe('copy');
  });
});
