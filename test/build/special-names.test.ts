/**
 * Device nodes, FIFOs and `security.capability` on entries whose names are not UTF-8 (#18): made
 * by a RUN, diffed into its layer, copied by a later stage's COPY --from, extracted again by
 * `load --unpack` — each exactly, checked in the layer tars by their raw bytes (no tar library:
 * the names, pax records and xattr values are compared as bytes). Through the launcher, with the
 * syscall addon (startup snapshot and plain bundle) and with TSBUILD_NO_NATIVE=1 (@tsbuild/sys's
 * perl server).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readAllXattrsSync } from '@tsbuild/sys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TSBUILD_BIN } from '../helpers/cli.js';
import { STORE_TMP, type TempStore } from '../helpers/store.js';
import { storeWithBusybox } from './helpers.js';

const root = process.getuid?.() === 0;
const cc = spawnSync('cc', ['--version']).status === 0;
// cap_net_bind_service+ep, VFS_CAP_REVISION_2
const CAP = '0100000200040000000000000000000000000000';
const N = Buffer.from([0x6e, 0xff]); // "n\xff": not UTF-8

/** lsetxattr(argv[1], argv[2], hex argv[3]): busybox has no setcap/setfattr; static, so it runs in the image */
const SETX_C = String.raw`#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
int main(int argc, char **argv) {
  if (argc != 4) return 2;
  size_t n = strlen(argv[3]) / 2;
  unsigned char *v = malloc(n + 1);
  for (size_t i = 0; i < n; i++) sscanf(argv[3] + 2 * i, "%2hhx", &v[i]);
  if (lsetxattr(argv[1], argv[2], v, n, 0) != 0) { perror("lsetxattr"); return 1; }
  return 0;
}
`;

const DOCKERFILE = `FROM busybox AS made
COPY setx /setx
RUN mkdir /d && cd /d && N="$(printf 'n\\377')" && mkfifo -m 640 "f$N" && mknod -m 600 "c$N" c 4 300 && mknod -m 660 "b$N" b 7 9 \\
 && echo hi > "x$N" && chmod 755 "x$N" && /setx "x$N" security.capability ${CAP}
FROM busybox
COPY --from=made /d /d
`;

interface Entry { name: Buffer; type: string; mode: number; devmajor: number; devminor: number; pax: Map<string, Buffer> }

const octal = (b: Buffer, from: number, len: number) => parseInt(b.subarray(from, from + len).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);

/** A tar's entries with their raw names (pax `path` when present) and raw pax records. */
function tarEntries(tar: Buffer): Entry[] {
  const out: Entry[] = [];
  let pax = new Map<string, Buffer>();
  for (let off = 0; off + 512 <= tar.length;) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156]!);
    const body = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      pax = new Map();
      for (let i = 0; i < body.length;) {
        const sp = body.indexOf(0x20, i);
        const len = Number(body.subarray(i, sp).toString('latin1'));
        const rec = body.subarray(sp + 1, i + len - 1);
        const eq = rec.indexOf(0x3d);
        pax.set(rec.subarray(0, eq).toString('latin1'), Buffer.from(rec.subarray(eq + 1)));
        i += len;
      }
      continue;
    }
    const cut = (from: number, len: number) => { const f = h.subarray(from, from + len); const z = f.indexOf(0); return z < 0 ? f : f.subarray(0, z); };
    const prefix = cut(345, 155);
    const name = pax.get('path') ?? (prefix.length ? Buffer.concat([prefix, Buffer.from('/'), cut(0, 100)]) : Buffer.from(cut(0, 100)));
    out.push({ name, type, mode: octal(h, 100, 8), devmajor: octal(h, 329, 8), devminor: octal(h, 337, 8), pax });
    pax = new Map();
  }
  return out;
}

/** The layers of the single image in an OCI tar, uncompressed, in order. */
function ociLayers(ociTar: string, dir: string): Buffer[] {
  mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-xf', ociTar, '-C', dir]);
  const blob = (d: string) => readFileSync(join(dir, 'blobs', ...d.split(':')));
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const manifest = JSON.parse(blob(index.manifests[0]!.digest).toString()) as { layers: { digest: string; mediaType: string }[] };
  return manifest.layers.map((l) => (l.mediaType.endsWith('gzip') ? gunzipSync(blob(l.digest)) : blob(l.digest)));
}

const named = (s: string) => Buffer.concat([Buffer.from(s), N]);

/** The four entries under d/ (whatever the tar's name prefix: `d/` or `./d/`), by their exact bytes. */
function expectSpecials(entries: Entry[], where: string): void {
  const find = (base: Buffer) => entries.find((e) => e.name.subarray(e.name.length - base.length - 2).equals(Buffer.concat([Buffer.from('d/'), base])));
  const fifo = find(named('f'));
  const chr = find(named('c'));
  const blk = find(named('b'));
  const file = find(named('x'));
  expect(fifo, `${where}: d/f\\xff (names: ${entries.map((e) => e.name.toString('hex')).join(' ')})`).toBeDefined();
  expect(fifo!.type, where).toBe('6');
  expect(fifo!.mode & 0o7777, where).toBe(0o640);
  expect(chr!.type, where).toBe('3');
  expect([chr!.devmajor, chr!.devminor, chr!.mode & 0o7777], where).toEqual([4, 300, 0o600]);
  expect(blk!.type, where).toBe('4');
  expect([blk!.devmajor, blk!.devminor, blk!.mode & 0o7777], where).toEqual([7, 9, 0o660]);
  expect(file!.type, where).toBe('0');
  expect(file!.mode & 0o7777, where).toBe(0o755);
  expect(file!.pax.get('SCHILY.xattr.security.capability')?.toString('hex'), where).toBe(CAP);
  // the raw name in the pax path (a ustar name field cannot say it is not UTF-8)
  for (const e of [fifo!, chr!, blk!, file!]) expect(e.name.includes(N), where).toBe(true);
}

let t: TempStore;
let work: string;
beforeAll(async () => {
  if (!root || !cc) return;
  t = await storeWithBusybox();
  mkdirSync(STORE_TMP, { recursive: true });
  work = mkdtempSync(join(STORE_TMP, 'special-names-'));
  const ctx = join(work, 'ctx');
  mkdirSync(ctx);
  writeFileSync(join(work, 'setx.c'), SETX_C);
  execFileSync('cc', ['-static', '-O1', '-o', join(ctx, 'setx'), join(work, 'setx.c')]);
  writeFileSync(join(ctx, 'Dockerfile'), DOCKERFILE);
});
afterAll(() => {
  t?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

function tsbuild(args: string[], env: Record<string, string>) {
  const r = spawnSync(TSBUILD_BIN, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  expect(r.stderr).not.toMatch(/internal error|skipp/i);
  expect(r.status, r.stderr).toBe(0);
  return r;
}

describe.skipIf(!root || !cc)('device nodes, FIFOs and capabilities on non-UTF-8 names', () => {
  if (!cc) it.skip('needs cc (a static lsetxattr helper for the RUN)', () => undefined);
  // the addon from the startup snapshot and from the plain bundle (which finds it in packages/sys beside it)
  it.each([['addon', {}], ['addon, no snapshot', { TSBUILD_NO_SNAPSHOT: '1' }], ['addon, copy snapshotter', { TSBUILD_SNAPSHOTTER: 'copy' }],
    ['perl server', { TSBUILD_NO_NATIVE: '1' }]] as const)('RUN → layer, COPY --from → layer, load --unpack → files, exactly (%s)', (way, env) => {
    const ctx = join(work, 'ctx');
    const out = join(work, way.replace(/\W/g, ''));
    mkdirSync(out);
    const common = ['--root', t.root, '-q', '--network', 'none', '--no-cache'];
    // the way under test is the one in use (a loader that missed the addon would fall back silently)
    expect(tsbuild(['info'], env).stdout).toMatch(way.startsWith('addon') ? /syscalls:\s+N-API addon/ : /syscalls:\s+perl server/);
    // the RUN's own layer: the last of the first stage
    tsbuild(['build', ...common, '--target', 'made', '-o', `type=oci,dest=${out}/made.tar`, ctx], env);
    const made = ociLayers(`${out}/made.tar`, `${out}/made`);
    expectSpecials(tarEntries(made.at(-1)!), `${way}: RUN layer`);
    // the COPY --from layer: the last of the final stage
    tsbuild(['build', ...common, '-t', `special-${way.replace(/\W/g, '')}`, '-o', `type=oci,dest=${out}/final.tar`, ctx], env);
    const final = ociLayers(`${out}/final.tar`, `${out}/final`);
    expectSpecials(tarEntries(final.at(-1)!), `${way}: COPY layer`);
    // extraction: the image loaded and unpacked into a fresh store; its snapshot has them all
    const other = join(work, `${way.replace(/\W/g, '')}-store`);
    tsbuild(['load', '--root', other, '--unpack', '-i', `${out}/final.tar`], env);
    const snaps = join(other, 'snapshots');
    const dirs = existsSync(snaps) ? execFileSync('find', [snaps, '-maxdepth', '2', '-name', 'd', '-type', 'd'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean) : [];
    expect(dirs.length, `a snapshot holding d/ under ${snaps}`).toBeGreaterThan(0);
    const d = dirs[0]!;
    const at = (s: string) => Buffer.concat([Buffer.from(`${d}/`), named(s)]);
    expect(lstatSync(at('f')).isFIFO()).toBe(true);
    expect(lstatSync(at('f')).mode & 0o7777).toBe(0o640);
    const c = lstatSync(at('c'));
    expect(c.isCharacterDevice()).toBe(true);
    expect([Math.floor(c.rdev / 256) & 0xfff, (c.rdev & 0xff) | ((c.rdev >> 12) & 0xfff00)]).toEqual([4, 300]);
    expect(lstatSync(at('b')).isBlockDevice()).toBe(true);
    expect(readAllXattrsSync([at('x')])[0]!.get('security.capability')?.toString('hex')).toBe(CAP);
  }, 180_000);
});
