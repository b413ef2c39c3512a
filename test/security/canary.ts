/**
 * Helpers for the attack tests: a canary directory on the HOST (outside every store) whose exact
 * state — names, types, modes, owners, sizes, contents, mtimes, xattrs — is recorded before an
 * attack and compared after it; malicious layer tars written entry by entry; docker-archives of
 * them for `tsbuild load`; and the installed bin run on a temp store.
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAllXattrsSync } from '@tsbuild/sys';
import { TarPack } from '@tsbuild/layerstore/tar';
import { busyboxRootfsTar } from '../helpers/busybox.js';
import { runTsbuild, TSBUILD_BIN, type CliRun } from '../helpers/cli.js';
import { STORE_TMP } from '../helpers/store.js';

/** Where canaries live: /var/tmp, beside (never inside) the test stores. */
const CANARY_TMP = '/var/tmp/tsbuild-sec-canary';

interface EntryState { type: string; mode: number; uid: number; gid: number; size: number; mtimeMs: number; sha?: string; link?: string; xattrs: string }

export class Canary {
  readonly dir: string;
  private before = new Map<string, EntryState>();

  constructor() {
    mkdirSync(CANARY_TMP, { recursive: true });
    this.dir = mkdtempSync(join(CANARY_TMP, 'c-'));
    chmodSync(this.dir, 0o755);
    // what the attacks aim at: a file to overwrite or give a capability, empty files and an empty
    // dir that a stub cleanup would delete, a subdir for opaque whiteouts
    writeFileSync(join(this.dir, 'victim'), 'host file\n', { mode: 0o755 });
    for (const f of ['hosts', 'resolv.conf', 'hostname', 'x', 'empty']) writeFileSync(join(this.dir, f), '', { mode: 0o644 });
    for (const d of ['sub', 'emptydir', 'sub/keep']) mkdirSync(join(this.dir, d), { mode: 0o755 });
    writeFileSync(join(this.dir, 'sub/keep/file'), 'keep\n');
    const t = new Date('2020-01-01T00:00:00Z');
    for (const p of ['victim', 'hosts', 'sub/keep/file', 'sub/keep', 'sub', 'emptydir', '']) utimesSync(join(this.dir, p), t, t);
    this.before = this.state();
  }

  /** Full recorded state, relative path → attributes (the dir itself as ''). */
  private state(): Map<string, EntryState> {
    const out = new Map<string, EntryState>();
    const abs = (rel: string) => (rel ? join(this.dir, rel) : this.dir);
    const walk = (rel: string) => {
      const st = lstatSync(abs(rel));
      const type = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : st.isFIFO() ? 'fifo' : st.isBlockDevice() ? 'block' : st.isCharacterDevice() ? 'char' : 'other';
      const e: EntryState = { type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: st.size, mtimeMs: st.mtimeMs, xattrs: '' };
      if (st.isFile()) e.sha = createHash('sha256').update(readFileSync(abs(rel))).digest('hex');
      out.set(rel, e);
      if (st.isDirectory()) for (const n of readdirSync(abs(rel)).sort()) walk(rel ? `${rel}/${n}` : n);
    };
    walk('');
    // xattrs of everything in one batch (security.capability is what a malicious layer plants)
    const xa = readAllXattrsSync([...out.keys()].map(abs));
    for (const [i, [, e]] of [...out].entries()) e.xattrs = [...xa[i]!.entries()].map(([k, v]) => `${k}=${v.toString('hex')}`).sort().join(',');
    return out;
  }

  /** Differences from the recorded state, one line each ([] when untouched). */
  changes(): string[] {
    const now = this.state();
    const out: string[] = [];
    for (const [p, b] of this.before) {
      const a = now.get(p);
      if (!a) out.push(`removed: ${p || '.'}`);
      else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`changed: ${p || '.'} ${JSON.stringify(b)} -> ${JSON.stringify(a)}`);
    }
    for (const p of now.keys()) if (!this.before.has(p)) out.push(`new: ${p}`);
    return out;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A temp store with busybox imported through the installed bin; `run` runs tsbuild on it. */
export class CliStore {
  readonly base: string;
  readonly root: string;
  constructor(readonly env: NodeJS.ProcessEnv = {}) {
    mkdirSync(STORE_TMP, { recursive: true });
    this.base = mkdtempSync(join(STORE_TMP, 'sec-'));
    this.root = join(this.base, 'root');
    const r = this.run(['import', busyboxRootfsTar(), 'busybox:latest']);
    if (r.code !== 0) throw new Error(`import failed: ${r.stderr}`);
  }

  run(args: string[], input?: string): CliRun {
    const [cmd, ...rest] = args;
    return runTsbuild([cmd!, '--root', this.root, ...rest], { input, env: this.env });
  }

  /** `tsbuild build` of a Dockerfile (stdin) in `context`; with `out`, the filesystem goes there (-o type=local). */
  build(dockerfile: string, context: string, opts: { out?: string; extra?: string[] } = {}): CliRun {
    const args = ['build', '--progress', 'plain', '-f', '-', '-t', 'sec-test', ...(opts.out ? ['-o', `type=local,dest=${opts.out}`] : []), ...(opts.extra ?? []), context];
    return this.run(args, dockerfile);
  }

  /** The same as build(), without blocking this process (a server in it must answer the build). */
  buildAsync(dockerfile: string, context: string, opts: { out?: string } = {}): Promise<CliRun> {
    const args = ['build', '--root', this.root, '--progress', 'plain', '-f', '-', '-t', 'sec-test', ...(opts.out ? ['-o', `type=local,dest=${opts.out}`] : []), context];
    return new Promise((resolve, reject) => {
      const child = spawn(TSBUILD_BIN, args, { env: { ...process.env, ...this.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(dockerfile);
    });
  }

  /** a fresh dir under this store's base (contexts, outputs) */
  dir(name: string): string {
    const d = join(this.base, name);
    mkdirSync(d, { recursive: true });
    return d;
  }

  cleanup(): void {
    rmSync(this.base, { recursive: true, force: true });
  }
}

export interface TarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'block-device' | 'character-device';
  mode?: number;
  body?: string;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** SCHILY.xattr.NAME → value */
  xattrs?: Record<string, Buffer>;
}

/** Write a layer tar entry by entry, in exactly this order (duplicates and all), with pax xattrs. */
export async function writeLayerTar(path: string, entries: TarEntry[]): Promise<void> {
  const pack = new TarPack();
  for (const e of entries) {
    const type = e.type ?? 'file';
    const pax: Record<string, string> = {};
    for (const [k, v] of Object.entries(e.xattrs ?? {})) pax[`SCHILY.xattr.${k}`] = v.toString('latin1');
    const header = {
      name: e.name, type, mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644), uid: 0, gid: 0, mtime: new Date('2023-11-14T22:13:20Z'),
      linkname: e.linkname, devmajor: e.devmajor ?? 0, devminor: e.devminor ?? 0, ...(Object.keys(pax).length ? { pax } : {}),
    };
    pack.entry(header, type === 'file' ? (e.body ?? '') : undefined);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  writeFileSync(path, Buffer.concat(chunks));
}

const sha256File = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** A docker-archive (as `docker save` writes) of an image made of these layer tars, tagged `tag`. */
export function dockerArchive(out: string, tag: string, layerTars: string[]): void {
  const stage = mkdtempSync(join(STORE_TMP, 'archive-'));
  try {
    const layers: string[] = [];
    const diffIds: string[] = [];
    for (const t of layerTars) {
      const hex = sha256File(t);
      mkdirSync(join(stage, hex));
      writeFileSync(join(stage, hex, 'layer.tar'), readFileSync(t));
      layers.push(`${hex}/layer.tar`);
      diffIds.push(`sha256:${hex}`);
    }
    const config = JSON.stringify({
      architecture: process.arch === 'arm64' ? 'arm64' : 'amd64', os: 'linux', created: '2023-11-14T22:13:20Z',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: layerTars.map(() => ({ created: '2023-11-14T22:13:20Z', created_by: 'test/security' })),
    });
    const cfgHex = createHash('sha256').update(config).digest('hex');
    writeFileSync(join(stage, `${cfgHex}.json`), config);
    writeFileSync(join(stage, 'manifest.json'), JSON.stringify([{ Config: `${cfgHex}.json`, RepoTags: [tag], Layers: layers }]));
    execFileSync('tar', ['-cf', out, '-C', stage, '.']);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** The busybox rootfs tar the stores import (a first layer for archives). */
export { busyboxRootfsTar };
