/**
 * COPY of a context directory into a new path is copied and tarred in one pass (copy/copyToLayer):
 * its layer must be byte-identical to the general path's (applyCopy + overlay diff), which the same
 * COPY takes with `--chown=root:root` (same owner, but by name: not eligible for the one-pass path,
 * which only takes numeric owners); the upperdir it
 * leaves is the snapshot the next RUN sees; and the cases it does not cover still go the general way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from '@tsbuild/builder';
import { chainIDs, type LayerRef } from '@tsbuild/layerstore';
import type { TempStore } from '../helpers/store.js';
import { flatten, layerEntries, makeContext, removeDir, storeWithBusybox } from './helpers.js';
import { diffLayer } from '../../packages/builder/src/diff/diff-layer.js';

let t: TempStore;
let ctx: string;
const EPOCH = 1_600_000_000;

beforeAll(async () => {
  t = await storeWithBusybox();
  ctx = makeContext({
    'src/a.txt': 'hello\n',
    'src/empty': '',
    'src/exact512': 'x'.repeat(512),
    'src/sub/deep/b.txt': 'deep\n',
    'src/sub/tool.sh': '#!/bin/sh\necho tool\n',
    'other/x': 'x\n',
  });
  // a file bigger than one slice of the one-pass copy, an empty dir, a symlink, odd modes
  const big = Buffer.alloc(3 * 1024 * 1024 + 123);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
  writeFileSync(join(ctx, 'src/sub/big.bin'), big);
  mkdirSync(join(ctx, 'src/emptydir'));
  symlinkSync('sub/tool.sh', join(ctx, 'src/link'));
  chmodSync(join(ctx, 'src/sub/tool.sh'), 0o4755);
  chmodSync(join(ctx, 'src/sub/deep'), 0o750);
  chmodSync(join(ctx, 'src/a.txt'), 0o600);
  // fixed times older than the epoch: only the new parent directories get clamped
  for (const p of ['src/a.txt', 'src/empty', 'src/exact512', 'src/sub/deep/b.txt', 'src/sub/deep', 'src/sub/tool.sh', 'src/sub/big.bin', 'src/sub', 'src/emptydir', 'src']) {
    utimesSync(join(ctx, p), 1_500_000_000 + p.length, 1_500_000_000 + p.length * 3);
  }
});
afterAll(() => {
  t?.cleanup();
  if (ctx) removeDir(ctx);
});

/** layers diffed from an upperdir by the last copyLayer() build (the one-pass path diffs nothing) */
let diffs = 0;

async function copyLayer(copy: string, opts: { rewrite?: boolean; run?: string } = {}) {
  const text = ['FROM busybox', 'WORKDIR /app', copy, ...(opts.run ? [opts.run] : [])].join('\n') + '\n';
  diffs = 0;
  const r = await build({
    context: ctx, store: t.store, network: 'none', dockerfileText: text, noCache: true,
    diff: (...a: Parameters<typeof diffLayer>) => { diffs++; return diffLayer(...a); },
    ...(opts.rewrite ? { rewriteTimestamp: true, sourceDateEpoch: EPOCH } : {}),
  });
  return r.image.layers;
}

describe('COPY into a new directory in one pass', () => {
  it('gives the same layer as the general path', async () => {
    for (const dest of ['/app/out/', 'out', 'nested/deeper/dest/']) {
      const direct = await copyLayer(`COPY src/ ${dest}`, { rewrite: true });
      expect(diffs).toBe(1); // WORKDIR only
      const general = await copyLayer(`COPY --chown=root:root src/ ${dest}`, { rewrite: true });
      expect(diffs).toBe(2);
      expect(direct[direct.length - 1]!.diffID).toBe(general[general.length - 1]!.diffID);
      expect(direct[direct.length - 1]!.digest).toBe(general[general.length - 1]!.digest);
    }
  });

  it('gives the same layer as the general path with a numeric --chown (owners on every entry and created dir)', async () => {
    const users = 'RUN echo "tsbu:x:1000:1000::/:/bin/sh" >> /etc/passwd && echo "tsbg:x:1000:" >> /etc/group';
    for (const [numeric, named] of [['1000:1000', 'tsbu:tsbg'], ['1000', 'tsbu']] as const) {
      const direct = await copyLayer(`${users}\nCOPY --chown=${numeric} src/ nested/own/`, { rewrite: true });
      expect(diffs).toBe(2); // WORKDIR and RUN; the COPY went the one-pass way
      const general = await copyLayer(`${users}\nCOPY --chown=${named} src/ nested/own/`, { rewrite: true });
      expect(diffs).toBe(3);
      const top = direct[direct.length - 1]!;
      expect(top.diffID).toBe(general[general.length - 1]!.diffID);
      const dir = await flatten(t.store, direct);
      try {
        for (const p of ['app/nested', 'app/nested/own', 'app/nested/own/sub/tool.sh', 'app/nested/own/link', 'app/nested/own/emptydir']) {
          const st = lstatSync(join(dir, p));
          expect({ p, uid: st.uid, gid: st.gid }).toEqual({ p, uid: 1000, gid: 1000 });
        }
        expect(lstatSync(join(dir, 'app/nested/own/sub/tool.sh')).mode & 0o7777).toBe(0o4755);
      } finally {
        removeDir(dir);
      }
    }
  });

  it('writes what the next RUN sees (adopted upperdir): contents, modes, owners, links, times', async () => {
    const script = 'RUN cd /app/dst && for f in a.txt empty exact512 sub/tool.sh sub/deep/b.txt; do stat -c "%n %a %u:%g %s %Y" $f; done > /report'
      + ' && stat -c "%n %a %Y" sub sub/deep emptydir . >> /report && readlink link >> /report && md5sum sub/big.bin >> /report && cat a.txt sub/tool.sh >> /report';
    const direct = await copyLayer('COPY src/ dst/', { run: script });
    const general = await copyLayer('COPY --chown=root:root src/ dst/', { run: script });
    // same report from both
    const report = async (layers: LayerRef[]) => {
      const dir = await flatten(t.store, layers);
      try { return readFileSync(join(dir, 'report'), 'utf8'); } finally { removeDir(dir); }
    };
    const got = await report(direct);
    expect(got).toBe(await report(general));
    expect(got).toContain('sub/tool.sh 4755 0:0');
    const names = layerEntries(t.store, direct[direct.length - 2]!);
    expect(names).toContain('app/dst/sub/big.bin');
    expect(names).toContain('app/dst/emptydir/');
    expect(names.indexOf('app/')).toBeLessThan(names.indexOf('app/dst/'));
  });

  it('leaves an existing destination, --exclude and wildcards to the general path (same results)', async () => {
    const existing = await copyLayer('COPY other/ /app/\nCOPY src/ /app/', { rewrite: true });
    const existingGeneral = await copyLayer('COPY other/ /app/\nCOPY --chown=root:root src/ /app/', { rewrite: true });
    expect(existing[existing.length - 1]!.diffID).toBe(existingGeneral[existingGeneral.length - 1]!.diffID);
    const excluded = await copyLayer('COPY --exclude=sub src/ /app/ex/', { rewrite: true });
    expect(layerEntries(t.store, excluded[excluded.length - 1]!).some((n) => n.includes('/sub/'))).toBe(false);
  });

  it('leaves the copy exact in the adopted snapshot (modes, owners, times, links; dest dir 0755)', async () => {
    const layers = await copyLayer('COPY src/ snap/');
    const chain = chainIDs(layers.map((l) => l.diffID));
    const top = join(t.root, 'snapshots', chain[chain.length - 1]!.slice('sha256:'.length), 'app/snap');
    const walk = (rel: string): void => {
      for (const n of readdirSync(join(ctx, 'src', rel)).sort()) {
        const r = rel ? `${rel}/${n}` : n;
        const a = lstatSync(join(ctx, 'src', r));
        const b = lstatSync(join(top, r));
        expect({ r, mode: b.mode, uid: b.uid, gid: b.gid, size: a.isDirectory() ? 0 : b.size }).toEqual({ r, mode: a.mode, uid: 0, gid: 0, size: a.isDirectory() ? 0 : a.size });
        // times go through utimes' float seconds (as the general path's): sub-µs digits may differ
        expect(Math.abs(b.mtimeMs - a.mtimeMs)).toBeLessThan(0.01);
        if (a.isSymbolicLink()) expect(readlinkSync(join(top, r))).toBe(readlinkSync(join(ctx, 'src', r)));
        else if (a.isFile()) expect(readFileSync(join(top, r)).equals(readFileSync(join(ctx, 'src', r)))).toBe(true);
        else walk(r);
      }
    };
    walk('');
    expect(lstatSync(top).mode & 0o7777).toBe(0o755);
    expect(lstatSync(top).mtimeMs).toBe(lstatSync(join(ctx, 'src')).mtimeMs);
  });
});
