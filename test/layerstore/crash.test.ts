/**
 * Crash safety: SIGKILL a writer in the middle of a big blob, a layer, and of tag updates, at
 * several points. Afterwards fsck is clean, no partial blob is visible, the lock is not stuck,
 * and a retry succeeds. Two processes tagging at once both land. Children run the built dist/.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, type Digest, type Store, type ImageConfig } from '@tsbuild/layerstore';
import { busyboxRootfsTar, busyboxRootfs } from '../helpers/busybox.js';
import { ensureBuilt } from './fixtures/ensure-built.js';

const CHILD = fileURLToPath(new URL('./fixtures/store-child.mjs', import.meta.url));
let dir: string;

beforeAll(() => {
  ensureBuilt(['layerstore']);
  dir = mkdtempSync('/var/tmp/ls-crash-');
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function child(root: string, ...args: string[]): { proc: ChildProcess; lines: string[]; waitFor: (re: RegExp) => Promise<void>; exit: Promise<number | null> } {
  const proc = spawn(process.execPath, [CHILD, root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  proc.stdout!.on('data', (d: Buffer) => {
    for (const l of d.toString().split('\n').filter(Boolean)) {
      lines.push(l);
      for (const w of [...waiters]) if (w.re.test(l)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const exit = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  exit.then((code) => {
    if (code !== 0 && code !== null) console.error(`child ${args.join(' ')} exited ${code}: ${err}`);
  });
  return {
    proc,
    lines,
    exit,
    waitFor: (re) => (lines.some((l) => re.test(l)) ? Promise.resolve() : new Promise((resolve) => waiters.push({ re, resolve }))),
  };
}

async function killAfter(c: ReturnType<typeof child>, ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
  c.proc.kill('SIGKILL');
  await c.exit;
}

async function assertHealthy(store: Store): Promise<void> {
  expect(await store.fsck()).toEqual([]);
  // every visible blob has exactly its digest (fsck rehashed them); index.json parses
  expect(() => JSON.parse(readFileSync(join(store.root, 'index.json'), 'utf8'))).not.toThrow();
}

async function manifestIn(store: Store): Promise<Digest> {
  const cfg: ImageConfig = { architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } };
  return (await store.putImage(cfg, [])).manifestDigest;
}

describe('crash safety', () => {
  for (const mode of ['blob', 'layer'] as const) {
    it(`kill -9 in the middle of a ${mode} write, at several points`, async () => {
      const root = join(dir, mode);
      for (const ms of [30, 120, 300, 700, 1500]) {
        const c = child(root, mode, `s${ms}`);
        await c.waitFor(/^start 0/);
        await killAfter(c, ms);
        const store = await openStore(root);
        await assertHealthy(store);
        const finished = c.lines.filter((l) => l.startsWith('done ')).map((l) => l.slice(5));
        // whatever became visible is complete; nothing else is
        // (fsck above rehashed every visible blob: each holds exactly its digest's content)
        const visible = readdirSync(join(root, 'blobs/sha256')).map((h) => `sha256:${h}`);
        for (const d of finished) expect(visible).toContain(d);
        // leftovers of the dead writer are only in tmp/ and GC removes them
        await store.gc();
        expect(readdirSync(join(root, 'tmp')).filter((n) => n.includes(`-${c.proc.pid}-`))).toEqual([]);
        await store.close();
      }
      // retry succeeds: a full write by a fresh process
      const again = child(root, mode, 'retry');
      await again.waitFor(/^done /);
      again.proc.kill('SIGKILL');
      await again.exit;
      const store = await openStore(root);
      await assertHealthy(store);
      await store.close();
    }, 120_000);
  }

  it('kill -9 in the middle of tag updates leaves a valid index and no stuck lock', async () => {
    const root = join(dir, 'tags');
    const s0 = await openStore(root);
    const m = await manifestIn(s0);
    await s0.tag('keep:1', m);
    for (const ms of [5, 20, 60, 150, 400]) {
      const c = child(root, 'tag', m, `k${ms}-`);
      await c.waitFor(/^tagged 0/);
      await killAfter(c, ms);
      const store = await openStore(root, { lockTimeoutMs: 10_000 });
      await assertHealthy(store);
      const names = (await store.listImages()).map((i) => i.name);
      expect(names).toContain('keep:1');
      const done = c.lines.filter((l) => l.startsWith('tagged ')).length;
      for (let i = 0; i < done; i++) expect(names).toContain(`k${ms}-${i}:latest`);
      // a lock the dead process held is broken, not waited on forever
      const t0 = Date.now();
      await store.tag(`after${ms}`, m);
      expect(Date.now() - t0).toBeLessThan(5_000);
      await store.close();
    }
    if (existsSync(join(root, 'store.lock'))) throw new Error('store.lock left behind by a live process');
    await s0.close();
  }, 120_000);

  it('kill -9 in the middle of unpacking a snapshot: no partial snapshot, retry unpacks it', async () => {
    const root = join(dir, 'unpack');
    for (const ms of [0, 10, 30, 60, 100]) {
      const c = child(root, 'snap', busyboxRootfsTar(), `u${ms}:latest`);
      await c.waitFor(/^imported/);
      await killAfter(c, ms);
      const store = await openStore(root);
      await assertHealthy(store);
      for (const s of readdirSync(join(root, 'snapshots'))) {
        // any visible snapshot is complete: every applet link is there
        expect(readdirSync(join(root, 'snapshots', s, 'bin')).sort()).toEqual(readdirSync(join(busyboxRootfs(), 'bin')).sort());
      }
      const rec = await store.getImage(`u${ms}:latest`);
      if (rec) {
        const [snap] = await store.ensureSnapshots(rec.layers);
        expect(existsSync(join(snap!, 'bin/busybox'))).toBe(true);
      }
      await store.gc();
      expect(readdirSync(join(root, 'tmp')).filter((n) => n.includes(`-${c.proc.pid}-`))).toEqual([]);
      await store.close();
    }
  }, 60_000);

  it('two processes importing and unpacking the same rootfs at once: both succeed, one blob, one snapshot', async () => {
    const root = join(dir, 'snap');
    const tarFile = busyboxRootfsTar();
    const a = child(root, 'snap', tarFile, 'p1:latest');
    const b = child(root, 'snap', tarFile, 'p2:latest');
    expect(await a.exit).toBe(0);
    expect(await b.exit).toBe(0);
    const snapA = a.lines.find((l) => l.startsWith('snap '));
    expect(snapA).toBeDefined();
    expect(b.lines.find((l) => l.startsWith('snap '))).toBe(snapA);
    expect(readdirSync(join(root, 'snapshots'))).toHaveLength(1);
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    const store = await openStore(root);
    expect((await store.listImages()).map((i) => i.name)).toEqual(['p1:latest', 'p2:latest']);
    expect(existsSync(join(snapA!.slice(5), 'bin/busybox'))).toBe(true);
    await assertHealthy(store);
    await store.close();
  }, 60_000);

  it('two processes tagging at the same time both land', async () => {
    const root = join(dir, 'concurrent');
    const s0 = await openStore(root);
    const m = await manifestIn(s0);
    await s0.close();
    const a = child(root, 'tag', m, 'a', '40');
    const b = child(root, 'tag', m, 'b', '40');
    expect(await a.exit).toBe(0);
    expect(await b.exit).toBe(0);
    const store = await openStore(root);
    const names = new Set((await store.listImages()).map((i) => i.name));
    for (let i = 0; i < 40; i++) {
      expect(names.has(`a${i}:latest`)).toBe(true);
      expect(names.has(`b${i}:latest`)).toBe(true);
    }
    await assertHealthy(store);
    await store.close();
  }, 60_000);
});
