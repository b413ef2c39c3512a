/** ADD <url>: the downloaded content keys the step — same content hits (revalidated with ETag/Last-Modified, no transfer), changed content misses. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { build, type BuildEvent, type BuildOptions } from '@tsbuild/builder';
import type { TempStore } from '../helpers/store.js';
import { flatten, makeContext, removeDir, statOf, storeWithBusybox } from './helpers.js';

let t: TempStore;
let server: Server;
let body = 'first';
/** requests seen by the server: conditional headers and whether a body was sent */
const seen: { inm?: string; ims?: string; sentBody: boolean }[] = [];
const dirs: string[] = [];
beforeAll(async () => {
  t = await storeWithBusybox();
  // A real HTTP server with ETag / Last-Modified validators, answering 304 when they still hold.
  server = createServer((req, res) => {
    const etag = `"${Buffer.from(body).toString('hex')}"`;
    const lastModified = 'Tue, 14 Nov 2023 22:13:20 GMT';
    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    if (inm === etag) {
      seen.push({ inm, ims, sentBody: false });
      res.writeHead(304, { etag, 'last-modified': lastModified }).end();
      return;
    }
    seen.push({ inm, ims, sentBody: true });
    res.writeHead(200, { etag, 'last-modified': lastModified }).end(body);
  });
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
    const events: BuildEvent[] = [];
    const opts: BuildOptions = { context: ctx, store: t.store, dockerfileText: `FROM busybox\nADD http://127.0.0.1:${port}/file.txt /dl/\n`, onEvent: (e) => events.push(e) };
    const a = await build(opts);
    // the download is reported as a transfer event of its step
    const addStep = events.find((e) => e.type === 'step-start' && e.name.includes('ADD'));
    expect(events.filter((e) => e.type === 'transfer')).toEqual([{
      type: 'transfer', action: 'download', ref: `http://127.0.0.1:${port}/file.txt`, kind: 'url', status: 'done', current: 5, total: 5,
      digest: `sha256:${createHash('sha256').update('first').digest('hex')}`, stepId: addStep && 'stepId' in addStep ? addStep.stepId : 'none',
    }]);
    events.length = 0;
    const root = await flatten(t.store, a.image.layers);
    dirs.push(root);
    expect(readFileSync(join(root, 'dl/file.txt'), 'utf8')).toBe('first');
    expect(statOf(join(root, 'dl/file.txt')).mode).toBe(0o600);
    // mtime from Last-Modified (2023-11-14T22:13:20Z)
    expect(Math.floor(lstatSync(join(root, 'dl/file.txt')).mtimeMs / 1000)).toBe(1700000000);
    // warm: one conditional request, answered 304 — no transfer — and the step is cached
    seen.length = 0;
    expect((await build(opts)).steps[1]!.cached).toBe(true);
    expect(events.filter((e) => e.type === 'transfer')).toEqual([]);
    expect(seen).toEqual([{ inm: `"${Buffer.from('first').toString('hex')}"`, ims: 'Tue, 14 Nov 2023 22:13:20 GMT', sentBody: false }]);
    body = 'second';
    const c = await build(opts);
    expect(c.steps[1]!.cached).toBe(false);
    expect(c.steps[1]!.missReason).toMatch(/^url http:\/\/127\.0\.0\.1:\d+\/file\.txt changed$/);
  });
});
