/** ADD <url>: the downloaded content keys the step — same content hits, changed content misses. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions } from '@tsbuild/builder';
import type { TempStore } from '../helpers/store.js';
import { flatten, makeContext, removeDir, statOf, storeWithBusybox } from './helpers.js';

let t: TempStore;
let server: Server;
let body = 'first';
const dirs: string[] = [];
beforeAll(async () => {
  t = await storeWithBusybox();
  server = createServer((_req, res) => res.end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
});
afterAll(() => {
  server?.close();
  t?.cleanup();
  for (const d of dirs) removeDir(d);
});

describe('ADD <url>', () => {
  it('downloads into the image (0600) and keys the step by content', async () => {
    const ctx = makeContext({});
    dirs.push(ctx);
    const port = (server.address() as { port: number }).port;
    const opts: BuildOptions = { context: ctx, store: t.store, dockerfileText: `FROM busybox\nADD http://127.0.0.1:${port}/file.txt /dl/\n` };
    const a = await build(opts);
    const root = await flatten(t.store, a.image.layers);
    dirs.push(root);
    expect(readFileSync(join(root, 'dl/file.txt'), 'utf8')).toBe('first');
    expect(statOf(join(root, 'dl/file.txt')).mode).toBe(0o600);
    expect((await build(opts)).steps[1]!.cached).toBe(true);
    body = 'second';
    const c = await build(opts);
    expect(c.steps[1]!.cached).toBe(false);
    expect(c.steps[1]!.missReason).toMatch(/^url http:\/\/127\.0\.0\.1:\d+\/file\.txt changed$/);
  });
});
