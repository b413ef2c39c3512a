/**
 * The library in a pipeline: several builds at once on one store and one base image — three in this
 * process (one cancelled by AbortSignal.timeout mid-RUN) and one through the CLI in another process —
 * then the store read back through the same API (list, inspect, tag, remove, save, load, prune, fsck).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, openStore, TsbuildError, type BuildEvent, type Store } from '@tsbuild/builder';
import { busyboxRootfsTar } from '../helpers/busybox.js';
import { TSBUILD_BIN } from '../helpers/cli.js';
import { STORE_TMP } from '../helpers/store.js';

mkdirSync(STORE_TMP, { recursive: true });
const dir = mkdtempSync(join(STORE_TMP, 'lib-'));
const root = join(dir, 'root');
let store: Store;

const storeMounts = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(dir)).length;
function context(name: string, files: Record<string, string>): string {
  const ctx = join(dir, name);
  mkdirSync(ctx, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(ctx, f), text);
  return ctx;
}

beforeAll(async () => {
  store = await openStore({ root });
  await store.import(busyboxRootfsTar(), 'busybox');
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a pipeline on one store', () => {
  it('three builds in this process and one in another at once; the cancelled one rejects typed and leaves nothing running', async () => {
    const shared = 'FROM busybox\nRUN echo shared > /shared\n';
    const a = context('a', { Dockerfile: `${shared}RUN echo a > /a\n` });
    const b = context('b', { Dockerfile: `${shared}COPY b.txt /b.txt\n`, 'b.txt': 'b\n' });
    const slow = context('slow', { Dockerfile: `${shared}RUN echo started && sleep 60 && echo never > /never\n` });
    // the deadline is armed when the slow step has started, so that a loaded machine cannot make it
    // fire during an earlier step: it is still AbortSignal.timeout's TimeoutError that cancels
    const deadline = new AbortController();
    const arm = (e: BuildEvent) => {
      if (e.type !== 'step-log' || !e.data.includes('started')) return;
      const t = AbortSignal.timeout(300);
      t.addEventListener('abort', () => deadline.abort(t.reason), { once: true });
    };
    const c = context('c', { Dockerfile: `${shared}RUN echo c > /c\n` });
    const before = storeMounts();
    const events: Record<string, BuildEvent[]> = { a: [], b: [], slow: [] };
    const other = new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(TSBUILD_BIN, ['build', '--root', root, '--network', 'none', '-q', '-t', 'c:1', c], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (code) => resolve({ code, stderr }));
    });
    const t0 = Date.now();
    const [ra, rb, rslow] = await Promise.allSettled([
      build({ context: a, store, tags: ['a:1'], network: 'none', onEvent: (e) => events.a!.push(e) }),
      build({ context: b, store, tags: ['b:1'], network: 'none', onEvent: (e) => events.b!.push(e) }),
      build({ context: slow, store, tags: ['slow:1'], network: 'none', signal: deadline.signal, onEvent: (e) => { events.slow!.push(e); arm(e); } }),
    ]);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect((await other).code).toBe(0);

    expect(ra.status).toBe('fulfilled');
    expect(rb.status).toBe('fulfilled');
    expect(rslow.status).toBe('rejected');
    const err = (rslow as PromiseRejectedResult).reason;
    expect(err).toBeInstanceOf(TsbuildError);
    expect(err).toMatchObject({ name: 'BuildError', code: 'E_CANCELLED', location: { line: 3 } });
    expect(err.cause).toBeInstanceOf(DOMException);
    expect(err.cause.name).toBe('TimeoutError');
    expect(err.data.step).toContain('sleep 60');
    // it was cancelled while its RUN ran, not before
    expect(events.slow!.some((e) => e.type === 'step-log' && e.data.includes('started'))).toBe(true);
    expect(events.slow!.some((e) => e.type === 'step-error')).toBe(true);
    expect(storeMounts()).toBe(before);
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain('sleep 60 && echo never');

    // the events of a good build, in order per step
    const steps = events.a!.filter((e) => e.type === 'step-start').length;
    expect(steps).toBe(3);
    expect(events.a!.filter((e) => e.type === 'step-done')).toHaveLength(3);

    const names = (await store.list()).map((i) => i.name).sort();
    expect(names).toEqual(['a:1', 'b:1', 'busybox:latest', 'c:1']);
    expect(await store.fsck()).toEqual([]);
  });

  it('reads and changes the store through the same API', async () => {
    const a = await store.inspect('a:1');
    expect(a.RepoTags).toEqual(['a:1']);
    expect(a.Layers).toHaveLength(3);
    expect(a.Id).toBe(a.ConfigDigest); // the image ID, as docker's
    expect(await store.tag('a:1', 'a:latest')).toBe(a.ManifestDigest);
    expect((await store.inspect('a')).RepoTags.sort()).toEqual(['a:1', 'a:latest']);
    await expect(store.inspect('nope:1')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await expect(store.tag('nope:1', 'x')).rejects.toBeInstanceOf(TsbuildError);
    await expect(store.remove('nope:1')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });

    const archive = join(dir, 'a.tar');
    await store.save(['a:1'], archive, { format: 'oci' });
    await store.remove('a:1');
    await store.remove('a:latest');
    expect((await store.list()).map((i) => i.name)).not.toContain('a:1');
    const loaded = await store.load(archive);
    expect(loaded.map((l) => l.record.manifestDigest)).toEqual([a.ManifestDigest]);
    expect((await store.get('a:1')).manifestDigest).toBe(a.ManifestDigest);

    await store.remove('b:1');
    const stats = await store.prune();
    expect(stats.blobsRemoved).toBeGreaterThan(0);
    expect(await store.fsck()).toEqual([]);
    await expect(store.load(join(dir, 'missing.tar'))).rejects.toBeInstanceOf(TsbuildError);
  });
});
