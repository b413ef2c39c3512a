/**
 * The base image the frontend scenarios call `busybox`, `busybox:latest` and `alpine`: Debian's
 * busybox-static binary, one symlink per applet, `busybox-extras/` from the corpus laid over it
 * (the official image's /etc/passwd and /etc/group, adduser/addgroup stand-ins), /tmp 1777, /root 0700.
 * Built once per machine as a deterministic rootfs tar (cached), then imported into each fresh store.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, createReadStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ociArch, type ImageConfig, type ImageRecord, type LayerStore } from '@tsbuild/layerstore';

export const BASE_IMAGE_NAMES = ['busybox', 'busybox:latest', 'alpine', 'alpine:latest', 'docker.io/library/busybox:latest', 'docker.io/library/alpine:latest'];
const SOURCE_DATE = 1700000000;
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface BaseImageOptions {
  corpusDir: string;
  /** cache dir for the busybox .deb, rootfs and tar (default $TSBUILD_TEST_CACHE or /var/tmp/tsbuild-test) */
  cacheDir?: string;
}

const cacheOf = (o: BaseImageOptions) => o.cacheDir ?? process.env.TSBUILD_TEST_CACHE ?? '/var/tmp/tsbuild-test';

/** /bin/busybox from Debian's busybox-static (apt-get download once; else the installed package). */
export function busyboxBinary(o: BaseImageOptions): string {
  const dir = join(cacheOf(o), 'busybox-deb');
  const bin = join(dir, 'x', 'bin', 'busybox');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('apt-get', ['download', '-qq', 'busybox-static'], { cwd: dir, stdio: 'pipe' });
    const deb = readdirSync(dir).find((f) => f.startsWith('busybox-static_') && f.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download produced no .deb');
    execFileSync('dpkg-deb', ['-x', join(dir, deb), join(dir, 'x')], { stdio: 'pipe' });
  } catch (err) {
    const installed = existsSync('/bin/busybox') && execFileSync('dpkg', ['-S', '/bin/busybox'], { encoding: 'utf8' }).includes('busybox-static');
    if (!installed) throw new Error(`cannot get busybox-static (apt-get update && apt-get install busybox-static): ${(err as Error).message}`);
    mkdirSync(join(dir, 'x', 'bin'), { recursive: true });
    copyFileSync('/bin/busybox', bin);
    chmodSync(bin, 0o755);
  }
  return bin;
}

/** The rootfs directory (cached; read-only by convention). */
export function busyboxRootfs(o: BaseImageOptions): string {
  const out = join(cacheOf(o), 'rootfs-conformance');
  if (existsSync(join(out, '.complete'))) return out;
  const extras = join(o.corpusDir, 'busybox-extras');
  if (!existsSync(extras)) throw new Error(`${extras} missing: the corpus must provide busybox-extras/`);
  const bin = busyboxBinary(o);
  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  for (const d of ['bin', 'sbin', 'dev', 'etc', 'proc', 'sys', 'root', 'tmp', 'var/tmp', 'home/app', 'usr/bin', 'usr/sbin', 'usr/local/bin']) {
    mkdirSync(join(tmp, d), { recursive: true });
  }
  copyFileSync(bin, join(tmp, 'bin/busybox'));
  chmodSync(join(tmp, 'bin/busybox'), 0o755);
  const applets = execFileSync(bin, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const a of applets) if (a !== 'busybox' && !existsSync(join(tmp, 'bin', a))) symlinkSync('busybox', join(tmp, 'bin', a));
  cpSync(extras, tmp, { recursive: true, force: true });
  for (const f of ['etc/passwd', 'etc/group']) chmodSync(join(tmp, f), 0o644);
  for (const f of ['bin/adduser', 'bin/addgroup']) if (existsSync(join(tmp, f))) chmodSync(join(tmp, f), 0o755);
  chmodSync(join(tmp, 'root'), 0o700);
  chmodSync(join(tmp, 'tmp'), 0o1777);
  chmodSync(join(tmp, 'var/tmp'), 0o1777);
  execFileSync('chown', ['1000:1000', join(tmp, 'home/app')]);
  writeFileSync(join(tmp, '.complete'), '');
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
  return out;
}

/** Deterministic tar of the rootfs (sorted, numeric owners, clamped mtimes). */
export function busyboxRootfsTar(o: BaseImageOptions): string {
  const out = join(cacheOf(o), 'busybox-conformance.tar');
  if (existsSync(out)) return out;
  const root = busyboxRootfs(o);
  const tmp = `${out}.tmp-${process.pid}`;
  execFileSync('tar', ['--sort=name', '--numeric-owner', '--format=pax', '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    `--mtime=@${SOURCE_DATE}`, '--clamp-mtime', '--exclude=./.complete', '-C', root, '-cf', tmp, '.']);
  renameSync(tmp, out);
  return out;
}

/** Imports the busybox rootfs into `store` as one layer and tags it under every name in `names`. */
export async function importBaseImage(store: LayerStore, o: BaseImageOptions & { names?: string[] }): Promise<ImageRecord> {
  const layer = await store.writeLayer(createReadStream(busyboxRootfsTar(o)));
  const created = new Date(SOURCE_DATE * 1000).toISOString();
  const config: ImageConfig = {
    created,
    architecture: ociArch().architecture,
    os: 'linux',
    config: { Env: [DEFAULT_PATH], Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: [layer.diffID] },
    history: [
      { created, created_by: '/bin/sh -c #(nop) ADD file:busybox-static rootfs in / ' },
      { created, created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
    ],
  };
  const image = await store.putImage(config, [layer]);
  for (const n of o.names ?? BASE_IMAGE_NAMES) await store.tag(n, image.manifestDigest);
  return image;
}
