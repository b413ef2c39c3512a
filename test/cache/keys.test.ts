/**
 * Issue 5's cache-key rules through build() on busybox: each input, changed alone, busts exactly the
 * steps it should (and no earlier or unrelated ones), with a miss reason naming the input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, mkdtempSync, readFileSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { build, type BuildOptions, type BuildResult } from '@tsbuild/builder';
import type { TempStore } from '../helpers/store.js';
import { makeContext, removeDir, storeWithBusybox } from '../build/helpers.js';

let t: TempStore;
const dirs: string[] = [];
beforeAll(async () => {
  t = await storeWithBusybox();
});
afterAll(() => {
  t?.cleanup();
  for (const d of dirs) removeDir(d);
});

function ctxOf(files: Record<string, string>): string {
  const d = makeContext(files);
  dirs.push(d);
  return d;
}
/** cached flag of every layer step, in order (FROM lines dropped) */
const flags = (r: BuildResult) => r.steps.filter((s) => !/^FROM /i.test(s.instruction)).map((s) => s.cached);
const step = (r: BuildResult, instruction: string) => {
  const s = r.steps.find((x) => x.instruction === instruction);
  if (!s) throw new Error(`no step ${instruction}`);
  return s;
};
const opts = (context: string, dockerfileText: string, extra: Partial<BuildOptions> = {}): BuildOptions => ({ context, store: t.store, network: 'none', dockerfileText, ...extra });

describe('context file inputs (COPY sources)', () => {
  const DF = 'FROM busybox\nRUN echo one > /one\nCOPY a.txt /a.txt\nRUN cat /a.txt > /a.copy\nCOPY b.txt /b.txt\nRUN echo done > /done\n';
  const fresh = async () => {
    const ctx = ctxOf({ 'a.txt': `a ${Math.random()}\n`, 'b.txt': 'b\n' });
    const first = await build(opts(ctx, DF));
    return { ctx, first };
  };

  it('touching mtime (and atime) busts nothing', async () => {
    const { ctx, first } = await fresh();
    utimesSync(join(ctx, 'a.txt'), new Date('2001-02-03'), new Date('2001-02-03'));
    utimesSync(join(ctx, 'b.txt'), new Date(), new Date(Date.now() + 5000));
    const r = await build(opts(ctx, DF));
    expect(flags(r)).toEqual([true, true, true, true, true]);
    expect(r.imageDigest).toBe(first.imageDigest);
  });

  it('uid/gid of a context file are normalised: chown busts nothing', async () => {
    const { ctx } = await fresh();
    chownSync(join(ctx, 'a.txt'), 1234, 4321);
    expect(flags(await build(opts(ctx, DF)))).toEqual([true, true, true, true, true]);
  });

  it('chmod busts the COPY of that file and what follows, not what precedes', async () => {
    const { ctx } = await fresh();
    chmodSync(join(ctx, 'a.txt'), 0o755);
    const r = await build(opts(ctx, DF));
    expect(flags(r)).toEqual([true, false, false, false, false]);
    expect(step(r, 'COPY a.txt /a.txt').missReason).toMatch(/a\.txt changed/);
    expect(step(r, 'RUN cat /a.txt > /a.copy').missReason).toBe('previous step changed');
  });

  it('a content change of a later source busts only from its COPY on', async () => {
    const { ctx } = await fresh();
    writeFileSync(join(ctx, 'b.txt'), 'B2\n');
    const r = await build(opts(ctx, DF));
    expect(flags(r)).toEqual([true, true, true, false, false]);
    expect(step(r, 'COPY b.txt /b.txt').missReason).toBe('COPY b.txt: b.txt changed');
  });

  it('same size, same mtime, different content still busts (content is hashed, not trusted from stat)', async () => {
    const { ctx } = await fresh();
    const p = join(ctx, 'b.txt');
    writeFileSync(p, 'c\n');
    utimesSync(p, new Date('2020-01-01'), new Date('2020-01-01'));
    await build(opts(ctx, DF));
    writeFileSync(p, 'd\n');
    utimesSync(p, new Date('2020-01-01'), new Date('2020-01-01'));
    // ctime moved, so the checksum cache must re-read the file
    expect(flags(await build(opts(ctx, DF)))).toEqual([true, true, true, false, false]);
  });

  it('a security.capability xattr busts the COPY', async () => {
    const { ctx } = await fresh();
    execFileSync('setcap', ['cap_net_raw+ep', join(ctx, 'a.txt')]);
    const r = await build(opts(ctx, DF));
    expect(flags(r)).toEqual([true, false, false, false, false]);
    expect(step(r, 'COPY a.txt /a.txt').missReason).toMatch(/a\.txt changed/);
    // and the COPY layer records it: extract the layer holding a.txt and ask getcap
    const out = mkdtempSync(join(tmpdir(), 'tsb-capoci-'));
    dirs.push(out);
    await build(opts(ctx, DF, { outputs: [{ type: 'oci', dest: join(out, 'img.tar') }] }));
    execFileSync('tar', ['-xf', join(out, 'img.tar'), '-C', out]);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const blob = (d: string) => join(out, 'blobs', ...d.split(':'));
    const manifest = JSON.parse(readFileSync(blob(index.manifests[0]!.digest), 'utf8')) as { layers: { digest: string }[] };
    const layer = manifest.layers.map((l) => blob(l.digest)).find((f) => execFileSync('tar', ['-tf', f], { encoding: 'utf8' }).split('\n').includes('a.txt'))!;
    const fs = join(out, 'fs');
    execFileSync('mkdir', ['-p', fs]);
    execFileSync('tar', ['--xattrs', '--xattrs-include=*', '-xf', layer, '-C', fs, 'a.txt']);
    expect(execFileSync('getcap', [join(fs, 'a.txt')], { encoding: 'utf8' })).toContain('cap_net_raw=ep');
  });

  it('a symlink target change busts a COPY of the directory holding it', async () => {
    const ctx = ctxOf({ 'd/x': 'x' });
    symlinkSync('x', join(ctx, 'd/l'));
    const text = 'FROM busybox\nRUN echo one > /one\nCOPY d /d\n';
    await build(opts(ctx, text));
    unlinkSync(join(ctx, 'd/l'));
    symlinkSync('y', join(ctx, 'd/l'));
    const r = await build(opts(ctx, text));
    expect(flags(r)).toEqual([true, false]);
    expect(step(r, 'COPY d /d').missReason).toMatch(/d\/l changed/);
  });

  it('a file outside the COPY selection does not bust it; an added file inside does', async () => {
    const ctx = ctxOf({ 'src/app.ts': 'a', 'docs/readme': 'r' });
    const text = 'FROM busybox\nCOPY src/ /src/\nRUN ls /src > /list\n';
    await build(opts(ctx, text));
    writeFileSync(join(ctx, 'docs/readme'), 'changed');
    writeFileSync(join(ctx, 'other.txt'), 'new');
    expect(flags(await build(opts(ctx, text)))).toEqual([true, true]);
    writeFileSync(join(ctx, 'src/new.ts'), 'n');
    const r = await build(opts(ctx, text));
    expect(flags(r)).toEqual([false, false]);
    expect(step(r, 'COPY src/ /src/').missReason).toMatch(/new\.ts added/);
  });

  it('editing or adding a .dockerignored file does not bust COPY . (even of the whole context)', async () => {
    const ctx = ctxOf({ 'app.txt': 'a', 'logs/x.log': 'l', '.dockerignore': 'logs\n*.tmp\n' });
    const text = 'FROM busybox\nCOPY . /ctx/\nRUN ls -R /ctx > /list\n';
    const first = await build(opts(ctx, text));
    writeFileSync(join(ctx, 'logs/x.log'), 'edited');
    writeFileSync(join(ctx, 'scratch.tmp'), 'new');
    const r = await build(opts(ctx, text));
    expect(flags(r)).toEqual([true, true]);
    expect(r.imageDigest).toBe(first.imageDigest);
  });
});

describe('ARG, ENV and build args', () => {
  it('a changed ARG busts RUN steps from its declaration on (they see it), not earlier steps nor a COPY in between', async () => {
    const ctx = ctxOf({ 'a.txt': 'a' });
    const text = 'FROM busybox\nRUN echo before > /before\nARG V=1\nCOPY a.txt /a.txt\nRUN echo run > /run\nRUN echo again > /again\n';
    await build(opts(ctx, text, { buildArgs: { V: 'x' } }));
    const r = await build(opts(ctx, text, { buildArgs: { V: 'y' } }));
    expect(flags(r)).toEqual([true, true, false, false]);
    expect(step(r, 'RUN echo run > /run').missReason).toBe('ARG V changed');
    // back to the first value: everything is cached again
    expect(flags(await build(opts(ctx, text, { buildArgs: { V: 'x' } })))).toEqual([true, true, true, true]);
  });

  it('a build arg with no ARG declaring it busts nothing', async () => {
    const ctx = ctxOf({});
    const text = 'FROM busybox\nRUN echo z > /z\n';
    await build(opts(ctx, text, { buildArgs: { UNUSED: '1' } }));
    expect(flags(await build(opts(ctx, text, { buildArgs: { UNUSED: '2' } })))).toEqual([true]);
  });

  it('an ARG used only in stage B does not rebuild stage A (global ARG, redeclared only in B)', async () => {
    const ctx = ctxOf({});
    const text = 'ARG V=0\nFROM busybox AS a\nRUN echo a > /a\nFROM busybox AS b\nARG V\nRUN echo $V > /v\nCOPY --from=a /a /a\n';
    await build(opts(ctx, text, { buildArgs: { V: '1' } }));
    const r = await build(opts(ctx, text, { buildArgs: { V: '2' } }));
    expect(step(r, 'RUN echo a > /a').cached).toBe(true);
    expect(step(r, 'RUN echo $V > /v').cached).toBe(false);
    expect(step(r, 'RUN echo $V > /v').missReason).toBe('ARG V changed');
  });

  it('an ENV change busts the steps after it only', async () => {
    const ctx = ctxOf({});
    const t1 = 'FROM busybox\nRUN echo one > /one\nENV E=1\nRUN echo $E > /e\n';
    await build(opts(ctx, t1));
    const r = await build(opts(ctx, t1.replace('E=1', 'E=2')));
    expect(flags(r)).toEqual([true, false]);
    expect(step(r, 'RUN echo $E > /e').missReason).toMatch(/E/);
  });

  it('LABEL (metadata only) busts no layer step but changes the image', async () => {
    const ctx = ctxOf({});
    const t1 = 'FROM busybox\nLABEL x=1\nRUN echo l > /l\n';
    const a = await build(opts(ctx, t1));
    const b = await build(opts(ctx, t1.replace('x=1', 'x=2')));
    expect(flags(b)).toEqual([true]);
    expect(b.imageDigest).not.toBe(a.imageDigest);
  });
});

describe('execution environment inputs', () => {
  it('USER change busts the RUN after it, not the steps before', async () => {
    const ctx = ctxOf({});
    const t1 = 'FROM busybox\nRUN echo one > /tmp/one\nUSER root\nRUN id -u > /tmp/uid\n';
    await build(opts(ctx, t1));
    const r = await build(opts(ctx, t1.replace('USER root', 'USER nobody')));
    expect(flags(r)).toEqual([true, false]);
    expect(step(r, 'RUN id -u > /tmp/uid').missReason).toMatch(/USER|user/);
  });

  it('WORKDIR change busts from the WORKDIR on', async () => {
    const ctx = ctxOf({});
    const t1 = 'FROM busybox\nRUN echo one > /one\nWORKDIR /w1\nRUN pwd > /pwd\n';
    await build(opts(ctx, t1));
    const r = await build(opts(ctx, t1.replace('/w1', '/w2')));
    expect(flags(r)).toEqual([true, false, false]);
  });

  it('SHELL change busts the RUN after it', async () => {
    const ctx = ctxOf({});
    const t1 = 'FROM busybox\nRUN echo one > /one\nSHELL ["/bin/sh", "-c"]\nRUN echo s > /s\n';
    await build(opts(ctx, t1));
    const r = await build(opts(ctx, t1.replace('"-c"', '"-ec"')));
    expect(flags(r)).toEqual([true, false]);
  });

  it('network mode busts RUN steps, not COPY', async () => {
    const ctx = ctxOf({ 'a.txt': `n ${Math.random()}` });
    const t1 = 'FROM busybox\nCOPY a.txt /a.txt\nRUN echo n > /n\n';
    await build(opts(ctx, t1, { network: 'none' }));
    const host = await build(opts(ctx, t1, { network: 'host', allow: ['network.host'] }));
    expect(flags(host)).toEqual([true, false]);
    // RUN --network=none overrides the default: the same step as the default-none build (cached),
    // and --network=host under a none default is the same step as the host build
    const t2 = 'FROM busybox\nCOPY a.txt /a.txt\nRUN --network=none echo n > /n\n';
    expect(flags(await build(opts(ctx, t2, { network: 'host', allow: ['network.host'] })))).toEqual([true, true]);
    const t3 = 'FROM busybox\nCOPY a.txt /a.txt\nRUN --network=host echo n > /n\n';
    expect(flags(await build(opts(ctx, t3, { network: 'none', allow: ['network.host'] })))).toEqual([true, true]);
    expect(step(host, 'RUN echo n > /n').missReason).toBe('network changed');
  });
});

describe('--no-cache and --no-cache-filter', () => {
  const text = 'FROM busybox AS a\nRUN echo a > /a\nFROM busybox AS b\nRUN echo b > /b\nCOPY --from=a /a /a\nFROM b AS c\nRUN echo c > /c\n';

  it('--no-cache runs every step again', async () => {
    const ctx = ctxOf({});
    await build(opts(ctx, text));
    expect(flags(await build(opts(ctx, text, { noCache: true })))).toEqual([false, false, false, false]);
  });

  it('--no-cache-filter b: stage b misses, a stays cached; c (FROM b) is cached exactly when b rebuilt to the same layers', async () => {
    const ctx = ctxOf({});
    const first = await build(opts(ctx, text));
    const r = await build(opts(ctx, text, { noCache: ['b'] }));
    expect(step(r, 'RUN echo a > /a').cached).toBe(true);
    expect(step(r, 'RUN echo b > /b').cached).toBe(false);
    expect(step(r, 'COPY --from=a /a /a').cached).toBe(false);
    expect(step(r, 'RUN echo b > /b').missReason).toMatch(/no-cache/);
    // stage b's rebuild gives the same layers (deterministic RUN), so c's key is the same: cached
    const sameB = r.steps.find((s) => s.instruction === 'COPY --from=a /a /a')!.layer === first.steps.find((s) => s.instruction === 'COPY --from=a /a /a')!.layer;
    expect(step(r, 'RUN echo c > /c').cached).toBe(sameB);
  });
});

describe('mounts, secrets, COPY flags, --from and ADD <url>', () => {
  it('RUN --mount=type=bind: the bound sources are hashed like COPY (their change busts; other files do not)', async () => {
    const ctx = ctxOf({ 'data/x': 'x1', 'other.txt': 'o' });
    const text = 'FROM busybox\nRUN echo one > /one\nRUN --mount=type=bind,source=data,target=/data cat /data/x > /out\n';
    await build(opts(ctx, text));
    writeFileSync(join(ctx, 'other.txt'), 'o2');
    expect(flags(await build(opts(ctx, text)))).toEqual([true, true]);
    writeFileSync(join(ctx, 'data/x'), 'x2');
    const r = await build(opts(ctx, text));
    expect(flags(r)).toEqual([true, false]);
    expect(step(r, 'RUN --mount=type=bind,source=data,target=/data cat /data/x > /out').missReason).toMatch(/mount/);
  });

  it('secrets are never in the key: a changed secret value busts nothing', async () => {
    const ctx = ctxOf({});
    const secretFile = join(ctx, '..', `secret-${Date.now()}`);
    dirs.push(secretFile);
    writeFileSync(secretFile, 'hunter2');
    const text = 'FROM busybox\nRUN --mount=type=secret,id=tok test -s /run/secrets/tok && echo ok > /ok\n';
    await build(opts(ctx, text, { secrets: [{ id: 'tok', src: secretFile }] }));
    writeFileSync(secretFile, 'another value');
    expect(flags(await build(opts(ctx, text, { secrets: [{ id: 'tok', src: secretFile }] })))).toEqual([true]);
  });

  it('COPY flags are in the key: --chmod, --chown, --link, --exclude each bust that COPY only', async () => {
    const ctx = ctxOf({ 'd/a.txt': 'a', 'd/b.log': 'b' });
    const base = 'FROM busybox\nRUN echo one > /one\nCOPY d /d\nRUN ls -l /d > /list\n';
    await build(opts(ctx, base));
    for (const variant of ['COPY --chmod=600 d /d', 'COPY --chown=7:8 d /d', 'COPY --link d /d', 'COPY --exclude=*.log d /d']) {
      const text = base.replace('COPY d /d', variant);
      const r = await build(opts(ctx, text));
      expect(flags(r), variant).toEqual([true, false, false]);
      expect(flags(await build(opts(ctx, text))), variant).toEqual([true, true, true]);
    }
  });

  it('COPY --from keys on the source stage result: a change in that stage busts the COPY, not the steps before it', async () => {
    const ctx = ctxOf({ 'gen.txt': 'g1' });
    const text = 'FROM busybox AS gen\nCOPY gen.txt /gen.txt\nFROM busybox\nRUN echo one > /one\nCOPY --from=gen /gen.txt /gen.txt\nRUN cat /gen.txt > /copy\n';
    await build(opts(ctx, text));
    writeFileSync(join(ctx, 'gen.txt'), 'g2');
    const r = await build(opts(ctx, text));
    expect(step(r, 'RUN echo one > /one').cached).toBe(true);
    expect(step(r, 'COPY --from=gen /gen.txt /gen.txt').cached).toBe(false);
    expect(step(r, 'COPY --from=gen /gen.txt /gen.txt').missReason).toMatch(/gen/);
  });

  it('ADD <url>: keyed by the downloaded content (same content cached, new content busts)', async () => {
    const { createServer } = await import('node:http');
    let body = 'payload-1';
    const server = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(body); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as { port: number }).port;
      const ctx = ctxOf({});
      const text = `FROM busybox\nRUN echo one > /one\nADD http://127.0.0.1:${port}/file.txt /file.txt\nRUN cat /file.txt > /copy\n`;
      await build(opts(ctx, text, { network: 'host', allow: ['network.host'] }));
      expect(flags(await build(opts(ctx, text, { network: 'host', allow: ['network.host'] })))).toEqual([true, true, true]);
      body = 'payload-2';
      expect(flags(await build(opts(ctx, text, { network: 'host', allow: ['network.host'] })))).toEqual([true, false, false]);
    } finally {
      server.close();
    }
  });
});

describe('what COPY does not see', () => {
  it('an ENV or USER change before a COPY busts the RUN after it, not the COPY (a COPY sees neither)', async () => {
    const ctx = ctxOf({ 'a.txt': `nosee ${Math.random()}` });
    const text = (env: string, user: string) => `FROM busybox\nENV E=${env}\nUSER ${user}\nCOPY a.txt /a.txt\nRUN echo r > /tmp/r\n`;
    await build(opts(ctx, text('1', 'root')));
    expect(flags(await build(opts(ctx, text('2', 'root'))))).toEqual([true, false]);
    expect(flags(await build(opts(ctx, text('2', 'nobody'))))).toEqual([true, false]);
  });

  it('an ARG expanded into a COPY busts it from there; a build arg equal to the default busts nothing', async () => {
    const ctx = ctxOf({ 'a.txt': `argcopy ${Math.random()}`, 'b.txt': 'b' });
    const text = 'FROM busybox\nARG F=a.txt\nCOPY $F /f\nRUN cat /f > /g\n';
    await build(opts(ctx, text));
    expect(flags(await build(opts(ctx, text, { buildArgs: { F: 'a.txt' } })))).toEqual([true, true]);
    const r = await build(opts(ctx, text, { buildArgs: { F: 'b.txt' } }));
    expect(flags(r)).toEqual([false, false]);
  });
});
