/** build() end to end with RUN, COPY and WORKDIR on a real busybox base: files, modes, owners, history. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from '@tsbuild/builder';
import type { TempStore } from '../helpers/store.js';
import { flatten, layerEntries, makeContext, removeDir, statOf, storeWithBusybox } from './helpers.js';

let t: TempStore;
const dirs: string[] = [];
beforeAll(async () => {
  t = await storeWithBusybox();
});
afterAll(() => {
  t?.cleanup();
  for (const d of dirs) removeDir(d);
});

function ctxDir(files: Record<string, string>): string {
  const d = makeContext(files);
  dirs.push(d);
  return d;
}

describe('RUN', () => {
  it('runs through /bin/sh -c with image env + ARGs, and commits the change as a layer', async () => {
    const ctx = ctxDir({});
    const r = await build({
      context: ctx, store: t.store, network: 'none',
      dockerfileText: 'FROM busybox\nARG V=1\nENV E=env\nRUN echo "$V $E $PATH" > /out.txt\nRUN ["/bin/sh", "-c", "echo exec > /exec.txt"]\n',
    });
    const root = await flatten(t.store, r.image.layers);
    dirs.push(root);
    expect(readFileSync(join(root, 'out.txt'), 'utf8')).toBe('1 env /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n');
    expect(readFileSync(join(root, 'exec.txt'), 'utf8')).toBe('exec\n');
    const hist = r.config.history!.slice(1).map((h) => [h.created_by, h.empty_layer ?? false]);
    expect(hist).toEqual([
      ['ARG V=1', true],
      ['ENV E=env', true],
      ['RUN |1 V=1 /bin/sh -c echo "$V $E $PATH" > /out.txt # buildkit', false],
      ['RUN |1 V=1 /bin/sh -c echo exec > /exec.txt # buildkit', false],
    ]);
    expect(r.config.rootfs.diff_ids).toHaveLength(3);
    expect(layerEntries(t.store, r.image.layers[1]!)).toContain('out.txt');
  });

  it('applies USER and WORKDIR (created, owned by the user) and resolves supplementary groups', async () => {
    const ctx = ctxDir({});
    const r = await build({
      context: ctx, store: t.store, network: 'none',
      dockerfileText: 'FROM busybox\nUSER app\nWORKDIR /home/app/work\nRUN id -u > uid && id -g > gid && pwd > pwd && touch mine\nWORKDIR /\n',
    });
    const root = await flatten(t.store, r.image.layers);
    dirs.push(root);
    expect(readFileSync(join(root, 'home/app/work/uid'), 'utf8')).toBe('1000\n');
    expect(readFileSync(join(root, 'home/app/work/gid'), 'utf8')).toBe('1000\n');
    expect(readFileSync(join(root, 'home/app/work/pwd'), 'utf8')).toBe('/home/app/work\n');
    expect(statOf(join(root, 'home/app/work'))).toMatchObject({ uid: 1000, gid: 1000, mode: 0o755, type: 'dir' });
    expect(statOf(join(root, 'home/app/work/mine'))).toMatchObject({ uid: 1000, gid: 1000 });
    const h = r.config.history!.slice(1);
    expect(h.map((x) => [x.created_by, x.empty_layer ?? false])).toEqual([
      ['USER app', true],
      ['WORKDIR /home/app/work', false],
      ['RUN /bin/sh -c id -u > uid && id -g > gid && pwd > pwd && touch mine # buildkit', false],
      ['WORKDIR /', true],
    ]);
    expect(r.config.config.WorkingDir).toBe('/');
  });

  it('WORKDIR owns new dirs like a FileOp --chown (uid alone → uid:uid, unknown name → 0:0) while RUN runs as uid:0', async () => {
    const ctx = ctxDir({});
    const r = await build({
      context: ctx, store: t.store, network: 'none',
      dockerfileText: 'FROM busybox\nUSER 4242\nWORKDIR /w4242\nRUN id -g > /tmp/gid\nUSER nosuchuser\nWORKDIR /wunknown\n',
    });
    const root = await flatten(t.store, r.image.layers);
    dirs.push(root);
    expect(statOf(join(root, 'w4242'))).toMatchObject({ uid: 4242, gid: 4242, type: 'dir' });
    expect(readFileSync(join(root, 'tmp/gid'), 'utf8')).toBe('0\n');
    expect(statOf(join(root, 'wunknown'))).toMatchObject({ uid: 0, gid: 0, type: 'dir' });
  });

  it('a step that changes nothing commits an empty layer (as BuildKit) that later steps build on', async () => {
    const ctx = ctxDir({});
    const r = await build({ context: ctx, store: t.store, network: 'none', dockerfileText: 'FROM busybox\nWORKDIR /etc\nRUN ls passwd > /after-empty\n' });
    expect(r.config.rootfs.diff_ids[1]).toBe('sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef');
    const root = await flatten(t.store, r.image.layers);
    dirs.push(root);
    expect(readFileSync(join(root, 'after-empty'), 'utf8')).toBe('passwd\n');
  });

  it('gives a step pipes for stdio, as BuildKit: /dev/stdout and /dev/stderr can be opened, stdin reads EOF', async () => {
    const ctx = ctxDir({});
    const logs: { stream: string; data: string }[] = [];
    const r = await build({
      context: ctx, store: t.store, network: 'none', noCache: true,
      onEvent: (e) => { if (e.type === 'step-log') logs.push({ stream: e.stream, data: e.data }); },
      dockerfileText: 'FROM busybox\nRUN echo to-out > /dev/stdout && echo to-err > /dev/stderr && echo teed | tee /dev/stderr > /teed'
        + ' && test -p /dev/stdin && test -p /dev/stdout && test -p /dev/stderr && cat > /stdin-read && wc -c < /stdin-read > /stdin-bytes\n',
    });
    const root = await flatten(t.store, r.image.layers);
    dirs.push(root);
    expect(readFileSync(join(root, 'teed'), 'utf8')).toBe('teed\n');
    expect(readFileSync(join(root, 'stdin-bytes'), 'utf8').trim()).toBe('0');
    const text = (stream: string) => logs.filter((l) => l.stream === stream).map((l) => l.data).join('');
    expect(text('stdout')).toBe('to-out\n');
    expect(text('stderr')).toBe('to-err\nteed\n');
  });

  it('clips a step\'s log after 2 MiB as BuildKit does, and a failure still shows the last lines', async () => {
    const ctx = ctxDir({});
    const logs: string[] = [];
    const err = await build({
      context: ctx, store: t.store, network: 'none', noCache: true,
      onEvent: (e) => { if (e.type === 'step-log') logs.push(e.data); },
      dockerfileText: 'FROM busybox\nRUN yes 0123456789abcdef | head -c 3000000; echo; echo the-very-end; exit 4\n',
    }).catch((e) => e);
    const shown = logs.join('');
    expect(shown.endsWith('[output clipped, log limit 2MiB reached]\n')).toBe(true);
    expect(Buffer.byteLength(shown)).toBeLessThanOrEqual(2 * 1024 * 1024 + 64);
    expect(Buffer.byteLength(shown)).toBeGreaterThan(1024 * 1024);
    expect(err).toMatchObject({ code: 'E_EXEC_FAILED', data: { exitCode: 4 } });
    expect((err.data.output as string[]).at(-1)).toBe('the-very-end');
  });

  it('a failing RUN is E_EXEC_FAILED with exit code, line and output tail', async () => {
    const ctx = ctxDir({});
    const err = await build({ context: ctx, store: t.store, network: 'none', dockerfileText: 'FROM busybox\n\nRUN echo before-fail && exit 3\n' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'E_EXEC_FAILED', location: { line: 3 }, data: { exitCode: 3 } });
    expect((err.data.output as string[]).join('\n')).toContain('before-fail');
  });

  it('RUN --mount=type=secret sees the secret, the layer and key do not', async () => {
    const ctx = ctxDir({ 'secret.txt': 's3cr3t' });
    const text = 'FROM busybox\nRUN --mount=type=secret,id=tok cat /run/secrets/tok > /copied && ls /run/secrets > /listing\n';
    const r = await build({ context: ctx, store: t.store, network: 'none', secrets: [{ id: 'tok', src: join(ctx, 'secret.txt') }], dockerfileText: text });
    const root = await flatten(t.store, r.image.layers);
    dirs.push(root);
    expect(readFileSync(join(root, 'copied'), 'utf8')).toBe('s3cr3t');
    expect(layerEntries(t.store, r.image.layers[1]!).some((e) => e.includes('run/secrets/tok'))).toBe(false);
  });

  it('RUN --mount=type=cache persists between builds', async () => {
    const ctx = ctxDir({});
    await build({ context: ctx, store: t.store, network: 'none', dockerfileText: 'FROM busybox\nRUN --mount=type=cache,target=/cache echo one >> /cache/log\n' });
    const r = await build({ context: ctx, store: t.store, network: 'none', dockerfileText: 'FROM busybox\nRUN --mount=type=cache,target=/cache echo two >> /cache/log && cat /cache/log > /seen\n' });
    const root = await flatten(t.store, r.image.layers);
    dirs.push(root);
    expect(readFileSync(join(root, 'seen'), 'utf8')).toBe('one\ntwo\n');
    expect(existsSync(join(root, 'cache/log'))).toBe(false);
  });

  it('RUN --mount=type=cache,from=STAGE,source=DIR starts as a copy of that dir and then persists (BuildKit)', async () => {
    const ctx = ctxDir({});
    const stage = 'FROM busybox AS b\nRUN mkdir -p /s/d && echo hi > /s/hello && chown 12:34 /s/d\nFROM busybox\n';
    const first = await build({ context: ctx, store: t.store, network: 'none', dockerfileText: `${stage}RUN --mount=type=cache,id=cf,from=b,source=/s,target=/c cat /c/hello > /seen && stat -c %u:%g /c/d > /owner && rm /c/hello\n` });
    const root1 = await flatten(t.store, first.image.layers);
    dirs.push(root1);
    expect([readFileSync(join(root1, 'seen'), 'utf8'), readFileSync(join(root1, 'owner'), 'utf8')]).toEqual(['hi\n', '12:34\n']);
    // the same cache (id + from-state): the removal stuck, it is not seeded again
    const second = await build({ context: ctx, store: t.store, network: 'none', dockerfileText: `${stage}RUN --mount=type=cache,id=cf,from=b,source=/s,target=/c ls -A /c > /left\n` });
    const root2 = await flatten(t.store, second.image.layers);
    dirs.push(root2);
    expect(readFileSync(join(root2, 'left'), 'utf8')).toBe('d\n');
  });
});

describe('COPY', () => {
  it('copies context files owned by root with their modes; --chown by name; COPY --from a stage', async () => {
    const ctx = ctxDir({ 'a.txt': 'A', 'src/x/y.txt': 'Y', 'run.sh': '#!/bin/sh\necho run\n' });
    chmodSync(join(ctx, 'run.sh'), 0o755);
    const text = [
      'FROM busybox AS build',
      'RUN mkdir /out && echo built > /out/artifact',
      'FROM busybox',
      'COPY a.txt /dst/',
      'COPY src/ /srcdir/',
      'COPY --chown=app:app run.sh /home/app/',
      'COPY --from=build /out/artifact /artifact',
      '',
    ].join('\n');
    const r = await build({ context: ctx, store: t.store, network: 'none', dockerfileText: text });
    const root = await flatten(t.store, r.image.layers);
    dirs.push(root);
    expect(readFileSync(join(root, 'dst/a.txt'), 'utf8')).toBe('A');
    expect(statOf(join(root, 'dst/a.txt'))).toMatchObject({ uid: 0, gid: 0, mode: 0o644 });
    expect(readFileSync(join(root, 'srcdir/x/y.txt'), 'utf8')).toBe('Y');
    expect(statOf(join(root, 'home/app/run.sh'))).toMatchObject({ uid: 1000, gid: 1000, mode: 0o755 });
    expect(readFileSync(join(root, 'artifact'), 'utf8')).toBe('built\n');
    expect(r.config.history!.slice(1).map((h) => h.created_by)).toEqual([
      'COPY a.txt /dst/ # buildkit',
      'COPY src/ /srcdir/ # buildkit',
      // current BuildKit shows --chown/--chmod (dockerfile2llb/convert_copy.go), not --from
      'COPY --chown=app:app run.sh /home/app/ # buildkit',
      'COPY /out/artifact /artifact # buildkit',
    ]);
    expect(lstatSync(join(root, 'bin/busybox')).isFile()).toBe(true);
  });

  it('COPY --link builds an independent layer: only the copied files and their created parents', async () => {
    const ctx = ctxDir({ 'a.txt': 'A' });
    const r = await build({ context: ctx, store: t.store, dockerfileText: 'FROM busybox\nCOPY --link a.txt /etc/linked/a.txt\n' });
    expect(layerEntries(t.store, r.image.layers[1]!).sort()).toEqual(['etc/', 'etc/linked/', 'etc/linked/a.txt']);
    const root = await flatten(t.store, r.image.layers);
    dirs.push(root);
    expect(readFileSync(join(root, 'etc/linked/a.txt'), 'utf8')).toBe('A');
    expect(readFileSync(join(root, 'etc/passwd'), 'utf8')).toContain('root:x:0:0');
  });

  it('a missing source is E_COPY_SOURCE at its line', async () => {
    const ctx = ctxDir({});
    await expect(build({ context: ctx, store: t.store, dockerfileText: 'FROM busybox\nCOPY nothere /x\n' })).rejects.toMatchObject({ code: 'E_COPY_SOURCE', location: { line: 2 } });
  });
});
