/**
 * `tsbuild prune --all` on a store that has run cache mounts and ADD <url> leaves it at the size of
 * its tagged images: every blob left is one of theirs, and no cache record, cache mount, URL record,
 * context hash cache or scratch remains.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from '@tsbuild/builder';
import { chainIDs, FORMAT, type Store } from '@tsbuild/layerstore';
import type { TempStore } from '../helpers/store.js';
import { runTsbuild } from '../helpers/cli.js';
import { makeContext, removeDir, storeWithBusybox } from './helpers.js';

let t: TempStore;
let server: Server;
const dirs: string[] = [];
const payload = Buffer.alloc(300_000, 7);
beforeAll(async () => {
  t = await storeWithBusybox();
  server = createServer((_req, res) => void res.writeHead(200, { etag: '"p1"' }).end(payload));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
});
afterAll(() => {
  server?.close();
  t?.cleanup();
  for (const d of dirs) removeDir(d);
});

const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

describe('tsbuild prune --all', () => {
  it('leaves a store that ran cache mounts and ADD <url> at the size of its tagged images', async () => {
    const ctx = makeContext({ 'app.txt': 'hello' });
    dirs.push(ctx);
    const port = (server.address() as { port: number }).port;
    const dockerfileText = [
      'FROM busybox',
      'RUN --mount=type=cache,target=/cache,id=objs dd if=/dev/zero of=/cache/obj bs=1024 count=200 2>/dev/null && echo built > /built',
      `ADD http://127.0.0.1:${port}/payload.bin /payload.bin`,
      'COPY app.txt /app.txt',
      'RUN echo scratch > /tmp/x',
    ].join('\n');
    await build({ context: ctx, store: t.store, network: 'none', dockerfileText, tags: ['app:1'] });
    // an untagged build too: its layers are cache only
    await build({ context: ctx, store: t.store, network: 'none', dockerfileText: `${dockerfileText}\nRUN echo more > /more` });
    await t.store.close(); // no lease of this process keeps anything
    const root = t.root;
    const mounts = join(root, `cache-mounts-v${FORMAT.cacheMounts}`);
    const urls = join(root, `http-cache-v${FORMAT.httpCache}`);
    const contextCache = join(root, `context-cache-v${FORMAT.contextCache}.bin`);
    // what prune --all must reclaim is there
    expect(entries(mounts)).toHaveLength(1);
    expect(statSync(join(mounts, entries(mounts)[0]!, 'obj')).size).toBe(200 * 1024);
    expect(entries(urls)).toHaveLength(1);
    expect(existsSync(contextCache)).toBe(true);
    expect(entries(join(root, 'cache')).length).toBeGreaterThan(0);

    const r = runTsbuild(['prune', '--all', '--root', root, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ cacheMountsRemoved: 1, urlRecordsRemoved: 1 });

    // what is left: exactly the tagged images' blobs (and their unpacked chains)
    const store = t.store as Store;
    const tagged = new Set<string>();
    const chains = new Set<string>();
    let imageBytes = 0;
    for (const name of ['busybox:latest', 'app:1']) {
      const img = (await store.getImage(name))!;
      for (const d of [img.manifestDigest, img.configDigest, ...img.layers.map((l) => l.digest)]) tagged.add(d);
      for (const c of chainIDs(img.layers.map((l) => l.diffID))) chains.add(c.slice(7));
    }
    for (const d of tagged) imageBytes += statSync(store.blobPath(d as `sha256:${string}`)).size;
    const blobs = entries(join(root, 'blobs', 'sha256'));
    expect(blobs.map((h) => `sha256:${h}`).sort()).toEqual([...tagged].sort());
    expect(blobs.reduce((n, h) => n + statSync(join(root, 'blobs', 'sha256', h)).size, 0)).toBe(imageBytes);
    for (const s of entries(join(root, 'snapshots'))) expect(chains.has(s)).toBe(true);
    expect(entries(mounts)).toEqual([]);
    expect(entries(urls)).toEqual([]);
    expect(existsSync(contextCache)).toBe(false);
    expect(entries(join(root, 'cache'))).toEqual([]);
    expect(entries(join(root, 'tmp'))).toEqual([]);
    expect(runTsbuild(['fsck', '--root', root]).code).toBe(0);
  });
});
