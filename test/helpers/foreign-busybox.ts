/**
 * Real foreign-platform bases for multi-platform tests, made offline from Debian's packages:
 * `dpkg --add-architecture arm64 && apt-get update && apt-get download busybox-static:arm64 &&
 * dpkg -x`, laid out like the amd64 test rootfs (busybox.ts: same applet links, passwd, group),
 * then imported as platform-tagged images and combined into an OCI index in the store.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, copyFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageRecord, LayerStore } from '@tsbuild/layerstore';
import { busyboxRootfs, TEST_CACHE } from './busybox.js';
import { importBusybox } from './store.js';

/** Debian architecture names of the OCI platforms the tests use. */
export const DEB_ARCH = { arm64: 'arm64', 'arm/v7': 'armhf' } as const;
export type ForeignArch = keyof typeof DEB_ARCH;

/** Why foreign bases cannot be made here (dpkg arch not added, package not downloadable), or undefined. */
export function foreignBusyboxUnavailable(arch: ForeignArch): string | undefined {
  try {
    foreignBusyboxTar(arch);
    return undefined;
  } catch (err) {
    return `busybox-static:${DEB_ARCH[arch]} cannot be fetched (run: dpkg --add-architecture ${DEB_ARCH[arch]} && apt-get update): ${(err as Error).message.split('\n')[0]}`;
  }
}

/** The foreign busybox binary (downloaded once into the test cache). */
export function foreignBusyboxBinary(arch: ForeignArch): string {
  const deb = DEB_ARCH[arch];
  const out = join(TEST_CACHE, `busybox-${deb}`);
  if (existsSync(join(out, 'bin/busybox'))) return join(out, 'bin/busybox');
  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  execFileSync('apt-get', ['download', '-q', `busybox-static:${deb}`], { cwd: tmp, stdio: 'pipe' });
  const pkg = readdirSync(tmp).find((f) => f.endsWith('.deb'));
  if (!pkg) throw new Error(`apt-get download busybox-static:${deb} left no .deb`);
  execFileSync('dpkg', ['-x', join(tmp, pkg), join(tmp, 'x')]);
  mkdirSync(join(tmp, 'bin'));
  copyFileSync(join(tmp, 'x/bin/busybox'), join(tmp, 'bin/busybox'));
  chmodSync(join(tmp, 'bin/busybox'), 0o755);
  rmSync(join(tmp, 'x'), { recursive: true });
  rmSync(join(tmp, pkg));
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
  return join(out, 'bin/busybox');
}

/** A deterministic rootfs tar: the amd64 test rootfs with /bin/busybox replaced by the foreign one. */
export function foreignBusyboxTar(arch: ForeignArch): string {
  const deb = DEB_ARCH[arch];
  const out = join(TEST_CACHE, `busybox-rootfs-${deb}.tar`);
  if (existsSync(out)) return out;
  const bin = foreignBusyboxBinary(arch);
  const dir = `${TEST_CACHE}/rootfs-${deb}.tmp-${process.pid}`;
  rmSync(dir, { recursive: true, force: true });
  cpSync(busyboxRootfs('plain'), dir, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  copyFileSync(bin, join(dir, 'bin/busybox'));
  chmodSync(join(dir, 'bin/busybox'), 0o755);
  const tmp = `${out}.tmp-${process.pid}`;
  execFileSync('tar', ['--sort=name', '--numeric-owner', '--format=pax', '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    '--mtime=@1700000000', '--clamp-mtime', '--exclude=./.complete', '-C', dir, '-cf', tmp, '.']);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, out);
  return out;
}

const PLATFORMS: Record<'amd64' | ForeignArch, { os: string; architecture: string; variant?: string }> = {
  amd64: { os: 'linux', architecture: 'amd64' },
  arm64: { os: 'linux', architecture: 'arm64' },
  'arm/v7': { os: 'linux', architecture: 'arm', variant: 'v7' },
};

/**
 * `name` → an OCI index over busybox images for `arches` (the host's amd64 one from busybox.ts,
 * the others from Debian's foreign packages), each with its platform in config and index entry.
 */
export async function importBusyboxIndex(store: LayerStore, name: string, arches: readonly ('amd64' | ForeignArch)[]): Promise<{ digest: string; images: ImageRecord[] }> {
  const images: ImageRecord[] = [];
  for (const a of arches) {
    const p = PLATFORMS[a];
    images.push(await importBusybox(store, { names: [], rootfsTar: a === 'amd64' ? undefined : foreignBusyboxTar(a), platform: p }));
  }
  const index = await store.putIndex!(images.map((img, i) => ({ manifestDigest: img.manifestDigest, platform: PLATFORMS[arches[i]!] })));
  await store.tag(name, index.digest);
  return { digest: index.digest, images };
}
