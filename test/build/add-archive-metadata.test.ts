/**
 * ADD of local archives keeps what BuildKit keeps (issue 13, one tar module): through the installed
 * launcher, a GNU tar --xattrs archive and a PAX archive with the cases ustar cannot hold are added,
 * and the built layers are read entry by entry: names as bytes, modes, owners, mtimes, xattrs.
 * Layers carry security.capability only (containerd's differ, which BuildKit uses, writes no other
 * xattr), whole-second mtimes, ids past the octal fields in PAX.
 */
import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeName, type LayerRef, type LayerStore } from '@tsbuild/layerstore';
import { parseTar, type TarHeader } from '@tsbuild/layerstore/tar';
import { runTsbuild } from '../helpers/cli.js';
import { openStore, STORE_TMP, type TempStore } from '../helpers/store.js';
import { storeWithBusybox } from './helpers.js';
import { BIG_UID, CAP_NET_RAW, FF_NAME, LONG_NAME, T, gnuXattrTar, paxEdgeTar } from '../../packages/builder/test/copy/archive-fixtures.js';

let t: TempStore;
let work: string;
beforeAll(async () => {
  t = await storeWithBusybox();
  mkdirSync(STORE_TMP, { recursive: true });
  work = mkdtempSync(join(STORE_TMP, 'addmeta-'));
});
afterAll(() => {
  t?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function entries(store: LayerStore, layer: LayerRef): Promise<TarHeader[]> {
  const out: TarHeader[] = [];
  await parseTar(createReadStream(store.blobPath(layer.digest)).pipe(createGunzip()), { entry: (h) => void out.push(h), data: () => {}, end: () => {} });
  return out;
}

// the xattrs go through the addon, or (TSBUILD_NO_NATIVE=1) the perl server
describe.each([[{} as Record<string, string>], [{ TSBUILD_NO_SNAPSHOT: '1' }], [{ TSBUILD_NO_NATIVE: '1' }]])('ADD of archives with xattrs, long names, big ids, \\xff names (%o)', (env) => {
  it('the built layers hold them as BuildKit writes them', async () => {
    const ctx = mkdtempSync(join(work, 'ctx-'));
    gnuXattrTar(mkdtempSync(join(work, 'src-')), join(ctx, 'x.tar'));
    writeFileSync(join(ctx, 'p.tar'), paxEdgeTar());
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nADD x.tar /gnu/\nADD p.tar /pax/\n');
    const tag = `addmeta:${Object.keys(env)[0]?.toLowerCase() ?? 'default'}`;
    const r = runTsbuild(['build', '--root', t.root, '-q', '--network', 'none', '-t', tag, ctx], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const store = await openStore(t.root);
    const rec = (await store.getImage(tag))!;
    const [gnu, pax] = rec.layers.slice(-2) as [LayerRef, LayerRef];

    const g = new Map((await entries(store, gnu)).map((h) => [h.name, h]));
    expect([...g.keys()]).toEqual(['gnu/', 'gnu/x/', 'gnu/x/cap', 'gnu/x/plain']);
    const cap = g.get('gnu/x/cap')!;
    expect([cap.type, cap.mode, cap.uid, cap.gid, cap.mtime.getTime()]).toEqual(['file', 0o750, 1001, 1002, 1609556645000]);
    expect([...cap.xattrs]).toEqual([['security.capability', CAP_NET_RAW]]);
    expect(g.get('gnu/x/plain')!.xattrs.size).toBe(0);

    const p = await entries(store, pax);
    const byName = new Map(p.map((h) => [encodeName(h.name).toString('hex'), h]));
    const long = byName.get(Buffer.from(`pax/${LONG_NAME}`).toString('hex'))!;
    expect([long.type, long.mode, long.uid, long.gid, long.mtime.getTime(), long.size]).toEqual(['file', 0o604, BIG_UID, BIG_UID + 1, T * 1000, 5]);
    const hard = byName.get(Buffer.from('pax/hard').toString('hex'))!;
    expect([hard.type, hard.linkname]).toEqual(['link', `pax/${LONG_NAME}`]);
    expect(byName.get(Buffer.from('pax/sym').toString('hex'))!.linkname).toBe(`/${'s'.repeat(149)}`);
    const ff = byName.get(Buffer.concat([Buffer.from('pax/'), FF_NAME]).toString('hex'))!;
    expect([ff.type, ff.mode, ff.uid, ff.gid, ff.size]).toEqual(['file', 0o600, 5, 6, 3]);
  });
});
