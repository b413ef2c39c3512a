/**
 * Store benchmark (not a test): `node packages/layerstore/dist/bench/store-bench.js [--dir /var/tmp/lsbench]
 *   [--only rootfs|small] [--runs N (5)] [--extract-only]`.
 * Same disk, same run, page cache warm for every contender, medians of N alternating runs:
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

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const DIR = argValue('--dir') ?? '/var/tmp/lsbench';
const TARGET = Number(process.env.BENCH_BIG_MB ?? 200) << 20;

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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * tar -xpf vs ours on one filesystem, RUNS rounds, median kept; the order alternates each round.
 * Every run gets a new, empty directory and nothing is deleted until all runs are done: this disk
 * is ext4 WITHOUT a journal, where creating an inode skips every inode of its group freed in the
 * last 60 s (360 s while the inode table block is dirty) one by one (find_inode_bit →
 * recently_deleted), so a run that follows an `rm -rf` of 20,000 files pays ~0.5 ms per create
 * and the figure depends on who deleted what just before (10× swings). `sync` before each run.
 */
async function extractRuns(file: string, base: string, runs: number): Promise<{ tar: number[]; ours: number[] }> {
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  const tar: number[] = [];
  const ours: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      for (const side of i % 2 ? ['ours', 'tar'] : ['tar', 'ours']) {
        const to = join(base, `${side}-${i}`);
        mkdirSync(to);
        execFileSync('sync');
        if (side === 'tar') tar.push(await time(() => execFileSync('tar', ['--numeric-owner', '-xpf', file, '-C', to])));
        else ours.push(await time(() => extract(createReadStream(file, { highWaterMark: 1 << 20 }), to, { mode: 'overlay' })));
      }
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  return { tar, ours };
}

async function main(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  const only = argValue('--only');
  const extractOnly = process.argv.includes('--extract-only');
  const runs = Number(argValue('--runs') ?? 5);
  const files = Object.fromEntries(Object.entries({ rootfs: bigTar, small: smallTar }).filter(([k]) => !only || k === only).map(([k, f]) => [k, f()]));
  const results: Record<string, Record<string, number | number[]>> = {};
  const rows: string[][] = [['input', 'size MB', 'what', 'seconds', 'MB/s', 'vs reference']];
  for (const [label, file] of Object.entries(files)) {
    const size = statSync(file).size;
    warm(file);
    const r: Record<string, number> = {};
    const runsOf: Record<string, number[]> = {};
    const disk = await extractRuns(file, join(DIR, 'x'), runs);
    r.tarX = median(disk.tar);
    r.extract = median(disk.ours);
    Object.assign(runsOf, { tarX: disk.tar, extract: disk.ours });
    if (existsSync('/dev/shm')) {
      // the same on tmpfs: CPU cost without the disk
      const shm = await extractRuns(file, join('/dev/shm', `lsbench-${process.pid}`), runs);
      r.tarShm = median(shm.tar);
      r.extractShm = median(shm.ours);
      Object.assign(runsOf, { tarShm: shm.tar, extractShm: shm.ours });
    }
    if (extractOnly) {
      results[label] = { sizeMB: size / (1 << 20), ...r, ...Object.fromEntries(Object.entries(runsOf).map(([k, v]) => [`${k}Runs`, v])) };
      const mb = (size / (1 << 20)).toFixed(0);
      rows.push([label, mb, `tar -xpf (disk, median of ${runs})`, r.tarX.toFixed(2), mbps(size, r.tarX).toFixed(0), '1.00']);
      rows.push([label, mb, 'extract (ours, disk)', r.extract.toFixed(2), mbps(size, r.extract).toFixed(0), (r.tarX / r.extract).toFixed(2)]);
      if (r.tarShm !== undefined) {
        rows.push([label, mb, `tar -xpf (tmpfs, median of ${runs})`, r.tarShm.toFixed(2), mbps(size, r.tarShm).toFixed(0), '1.00']);
        rows.push([label, mb, 'extract (ours, tmpfs)', r.extractShm!.toFixed(2), mbps(size, r.extractShm!).toFixed(0), (r.tarShm / r.extractShm!).toFixed(2)]);
      }
      continue;
    }
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
    results[label] = { sizeMB: size / (1 << 20), ...r, ...Object.fromEntries(Object.entries(runsOf).map(([k, v]) => [`${k}Runs`, v])) };
    const mb = (size / (1 << 20)).toFixed(0);
    rows.push([label, mb, `tar -xpf (disk, median of ${runs})`, r.tarX.toFixed(2), mbps(size, r.tarX).toFixed(0), '1.00']);
    rows.push([label, mb, 'extract (ours, disk)', r.extract.toFixed(2), mbps(size, r.extract).toFixed(0), (r.tarX / r.extract).toFixed(2)]);
    if (r.tarShm !== undefined) {
      rows.push([label, mb, `tar -xpf (tmpfs, median of ${runs})`, r.tarShm.toFixed(2), mbps(size, r.tarShm).toFixed(0), '1.00']);
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
