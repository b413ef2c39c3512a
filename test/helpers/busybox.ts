/**
 * Real base images for tests, made locally from Debian's `busybox-static` package
 * (never faked): `apt-get download busybox-static && dpkg -x`, one symlink per applet,
 * the official busybox image's /etc/passwd and /etc/group (from the conformance corpus's
 * busybox-extras when present, else built in), /tmp 1777, /root 0700.
 *
 * The rootfs dir and a deterministic tar of it are cached under $TSBUILD_TEST_CACHE
 * (default /var/tmp/tsbuild-test) so every test file shares one copy.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, chmodSync, symlinkSync, copyFileSync, renameSync, rmSync, readFileSync, cpSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { busyboxBinary as conformanceBusyboxBinary } from '../../packages/conformance/src/frontend/base-image.js';

export const TEST_CACHE = process.env.TSBUILD_TEST_CACHE ?? '/var/tmp/tsbuild-test';
/** ../shared/conformance relative to the repo root */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CORPUS_DIR = process.env.TSBUILD_CORPUS ?? resolve(REPO_ROOT, '../shared/conformance');
const SOURCE_DATE = 1700000000;

const PASSWD = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
app:x:1000:1000:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/home:/bin/false
`;
const GROUP = `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
wheel:x:10:root
staff:x:50:
users:x:100:
app:x:1000:
nobody:x:65534:
`;

/** Path of /bin/busybox from the busybox-static package (downloaded once; the conformance runner's
 *  recipe, sharing its cache directory, so both use the same bytes). */
export function busyboxBinary(): string {
  return conformanceBusyboxBinary({ corpusDir: CORPUS_DIR, cacheDir: TEST_CACHE });
}

/**
 * A busybox rootfs directory (read-only by convention: copy it before changing it).
 * `variant: 'conformance'` lays ../shared/conformance/busybox-extras over it (adduser/addgroup stand-ins).
 */
export function busyboxRootfs(variant: 'plain' | 'conformance' = 'plain'): string {
  const out = join(TEST_CACHE, `rootfs-${variant}`);
  if (existsSync(join(out, '.complete'))) return out;
  const bin = busyboxBinary();
  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  for (const d of ['bin', 'sbin', 'dev', 'etc', 'proc', 'sys', 'root', 'tmp', 'var/tmp', 'home/app', 'usr/bin', 'usr/sbin', 'usr/local/bin']) {
    mkdirSync(join(tmp, d), { recursive: true });
  }
  copyFileSync(bin, join(tmp, 'bin/busybox'));
  chmodSync(join(tmp, 'bin/busybox'), 0o755);
  const applets = execFileSync(bin, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const a of applets) if (a !== 'busybox' && !existsSync(join(tmp, 'bin', a))) symlinkSync('busybox', join(tmp, 'bin', a));
  const extras = join(CORPUS_DIR, 'busybox-extras');
  if (variant === 'conformance' && existsSync(extras)) {
    cpSync(extras, tmp, { recursive: true, force: true });
    for (const f of ['etc/passwd', 'etc/group']) chmodSync(join(tmp, f), 0o644);
    for (const f of ['bin/adduser', 'bin/addgroup']) chmodSync(join(tmp, f), 0o755);
  } else {
    writeFileSync(join(tmp, 'etc/passwd'), PASSWD, { mode: 0o644 });
    writeFileSync(join(tmp, 'etc/group'), GROUP, { mode: 0o644 });
  }
  chmodSync(join(tmp, 'root'), 0o700);
  chmodSync(join(tmp, 'tmp'), 0o1777);
  chmodSync(join(tmp, 'var/tmp'), 0o1777);
  execFileSync('chown', ['1000:1000', join(tmp, 'home/app')]);
  writeFileSync(join(tmp, '.complete'), '');
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
  return out;
}

/** Deterministic tar of the rootfs (sorted, numeric owners, mtimes clamped): input for `tsbuild import`. */
export function busyboxRootfsTar(variant: 'plain' | 'conformance' = 'plain'): string {
  const out = join(TEST_CACHE, `busybox-${variant}.tar`);
  if (existsSync(out)) return out;
  const root = busyboxRootfs(variant);
  const tmp = `${out}.tmp-${process.pid}`;
  execFileSync('tar', ['--sort=name', '--numeric-owner', '--format=pax', '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    `--mtime=@${SOURCE_DATE}`, '--clamp-mtime', '--exclude=./.complete', '-C', root, '-cf', tmp, '.']);
  renameSync(tmp, out);
  return out;
}

export function readText(p: string): string {
  return readFileSync(p, 'utf8');
}
