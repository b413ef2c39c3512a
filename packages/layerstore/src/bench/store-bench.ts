/**
 * Store benchmark (not a test): `node packages/layerstore/dist/bench/store-bench.js [--dir /var/tmp/lsbench]`.
 * Same disk, same run, page cache warm for every contender:
 *   - extraction of a ~200 MB rootfs tar (real files from /usr) and of a 20,000-small-file tree:
 *     our snapshot extractor vs `tar -xf` of the same file
 *   - import (one pass: sha256 of tar + gzip + sha256 of gzip + fsync + rename) at gzip levels 1 and 6
 *   - import + unpack (importRootfs then ensureSnapshots)
 *   - sha256 of the big tar: our HashStream vs `sha256sum`
 * Prints a table and a JSON line.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { HashStream } from '../util/streams.js';
import { extract } from '../snapshots/extract.js';
import { openStore } from '../store.js';
import { importRootfs } from '../transfer/import.js';

const argDir = process.argv.indexOf('--dir');
const DIR = argDir > 0 ? process.argv[argDir + 1]! : '/var/tmp/lsbench';
const TARGET = Number(process.env.BENCH_BIG_MB ?? 200) << 20;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);

function bigTar(): string {
  const out = join(DIR, 'rootfs.tar');
  if (existsSync(out)) return out;
  // real files (ELF binaries, libraries, text) from this machine's /usr, up to ~TARGET bytes
  const list = execFileSync('find', ['/usr/lib/x86_64-linux-gnu', '/usr/bin', '/usr/share/perl', '/usr/share/zoneinfo', '-xdev', '(', '-type', 'f', '-o', '-type', 'l', ')', '-size', '-16M', '-printf', '%s %p\n'], { encoding: 'utf8', maxBuffer: 1 << 28 })
    .split('\n').filter(Boolean);
  let total = 0;
  const picked: string[] = [];
  for (const l of list) {
    const sp = l.indexOf(' ');
    total += Number(l.slice(0, sp));
    picked.push(l.slice(sp + 2));
    if (total >= TARGET) break;
  }
  writeFileSync(join(DIR, 'rootfs.list'), picked.join('\n') + '\n');
  execFileSync('tar', ['--format=pax', '-C', '/', '-cf', `${out}.tmp`, '-T', join(DIR, 'rootfs.list')], { stdio: 'ignore' });
  execFileSync('mv', [`${out}.tmp`, out]);
  return out;
}

function smallTar(): string {
  const out = join(DIR, 'small.tar');
  if (existsSync(out)) return out;
  const src = join(DIR, 'small-src');
  rmSync(src, { recursive: true, force: true });
  for (let d = 0; d < 200; d++) {
    const dd = join(src, `d${String(d).padStart(3, '0')}`);
    mkdirSync(dd, { recursive: true });
    for (let f = 0; f < 100; f++) writeFileSync(join(dd, `f${f}.txt`), randomBytes(512 + ((d * 100 + f) % 8) * 512).toString('base64'));
  }
  execFileSync('tar', ['--format=pax', '-C', src, '-cf', out, '.']);
  rmSync(src, { recursive: true, force: true });
  return out;
}

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const mbps = (bytes: number, s: number) => bytes / (1 << 20) / s;
const warm = (f: string) => execFileSync('cat', [f], { stdio: ['ignore', 'ignore', 'ignore'] });

async function best<T>(n: number, fn: () => Promise<T>): Promise<number> {
  let b = Infinity;
  for (let i = 0; i < n; i++) b = Math.min(b, (await time(fn)) as number);
  return b;
}

async function main(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  const files = { rootfs: bigTar(), small: smallTar() };
  const results: Record<string, Record<string, number>> = {};
  const rows: string[][] = [['input', 'size MB', 'what', 'seconds', 'MB/s', 'vs reference']];
  for (const [label, file] of Object.entries(files)) {
    const size = statSync(file).size;
    warm(file);
    const r: Record<string, number> = {};
    const scratch = join(DIR, 'x');
    const fresh = () => {
      rmSync(scratch, { recursive: true, force: true });
      mkdirSync(scratch);
      execFileSync('sync');
    };
    // tar and ours alternate (ROUNDS each, best kept): the disk is shared, contention hits both alike
    let tarX = Infinity;
    let ours = Infinity;
    let tarShm = Infinity;
    let oursShm = Infinity;
    const shm = existsSync('/dev/shm') ? join('/dev/shm', `lsbench-${process.pid}`) : undefined;
    for (let i = 0; i < ROUNDS; i++) {
      fresh();
      tarX = Math.min(tarX, await time(() => execFileSync('tar', ['--numeric-owner', '-xpf', file, '-C', scratch])));
      fresh();
      ours = Math.min(ours, await time(() => extract(createReadStream(file, { highWaterMark: 1 << 20 }), scratch, { mode: 'overlay' })));
      if (shm) {
        // the same on tmpfs: CPU cost without the disk
        rmSync(shm, { recursive: true, force: true });
        mkdirSync(shm);
        tarShm = Math.min(tarShm, await time(() => execFileSync('tar', ['--numeric-owner', '-xpf', file, '-C', shm])));
        rmSync(shm, { recursive: true, force: true });
        mkdirSync(shm);
        oursShm = Math.min(oursShm, await time(() => extract(createReadStream(file, { highWaterMark: 1 << 20 }), shm, { mode: 'overlay' })));
        rmSync(shm, { recursive: true, force: true });
      }
    }
    r.tarX = tarX;
    r.extract = ours;
    if (shm) {
      r.tarShm = tarShm;
      r.extractShm = oursShm;
    }
    rmSync(scratch, { recursive: true, force: true });
    for (const level of [1, 6]) {
      let t = Infinity;
      for (let i = 0; i < 2; i++) {
        const root = join(DIR, `store-${level}-${i}`);
        rmSync(root, { recursive: true, force: true });
        const store = await openStore(root, { compressionLevel: level });
        t = Math.min(t, await time(() => importRootfs(store, file, 'bench:1')));
        await store.close();
        if (i === 0) rmSync(root, { recursive: true, force: true });
      }
      r[`import${level}`] = t;
    }
    {
      const root = join(DIR, 'store-1-1');
      const store = await openStore(root, { compressionLevel: 1 });
      const rec = (await store.getImage('bench:1'))!;
      r.unpackFromBlob = await time(() => store.ensureSnapshots(rec.layers));
      await store.close();
      rmSync(root, { recursive: true, force: true });
      rmSync(join(DIR, 'store-6-1'), { recursive: true, force: true });
    }
    r.sha256sum = await best(3, async () => time(() => execFileSync('sha256sum', [file], { stdio: ['ignore', 'ignore', 'ignore'] })));
    r.hash = await best(3, async () => time(() => pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), new HashStream(), new Writable({ write: (_c, _e, cb) => cb() }))));
    results[label] = { sizeMB: size / (1 << 20), ...r };
    const mb = (size / (1 << 20)).toFixed(0);
    rows.push([label, mb, 'tar -xpf', r.tarX.toFixed(2), mbps(size, r.tarX).toFixed(0), '1.00']);
    rows.push([label, mb, 'extract (ours)', r.extract.toFixed(2), mbps(size, r.extract).toFixed(0), (r.tarX / r.extract).toFixed(2)]);
    if (r.tarShm !== undefined) {
      rows.push([label, mb, 'tar -xpf (tmpfs)', r.tarShm.toFixed(2), mbps(size, r.tarShm).toFixed(0), '1.00']);
      rows.push([label, mb, 'extract (ours, tmpfs)', r.extractShm!.toFixed(2), mbps(size, r.extractShm!).toFixed(0), (r.tarShm / r.extractShm!).toFixed(2)]);
    }
    rows.push([label, mb, 'import gzip -1 (hash+gzip+hash+fsync)', r.import1!.toFixed(2), mbps(size, r.import1!).toFixed(0), '']);
    rows.push([label, mb, 'import gzip -6', r.import6!.toFixed(2), mbps(size, r.import6!).toFixed(0), '']);
    rows.push([label, mb, 'unpack snapshot from gzip blob (verify both digests)', r.unpackFromBlob.toFixed(2), mbps(size, r.unpackFromBlob).toFixed(0), (r.tarX / r.unpackFromBlob).toFixed(2)]);
    rows.push([label, mb, 'sha256sum', r.sha256sum.toFixed(2), mbps(size, r.sha256sum).toFixed(0), '1.00']);
    rows.push([label, mb, 'sha256 (ours)', r.hash.toFixed(2), mbps(size, r.hash).toFixed(0), (r.sha256sum / r.hash).toFixed(2)]);
  }
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  process.stdout.write(rows.map((r) => r.map((x, c) => x.padEnd(w[c]!)).join('  ')).join('\n') + '\n');
  process.stdout.write(JSON.stringify({ node: process.version, results }) + '\n');
}

await main();
