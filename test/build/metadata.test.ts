/** build() end to end for metadata-only Dockerfiles: config fields and history as BuildKit writes them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type BuildEvent } from '@tsbuild/builder';
import type { TempStore } from '../helpers/store.js';
import { makeContext, removeDir, storeWithBusybox } from './helpers.js';

let t: TempStore;
let ctx: string;
beforeAll(async () => {
  t = await storeWithBusybox();
  ctx = makeContext({});
});
afterAll(() => {
  t?.cleanup();
  if (ctx) removeDir(ctx);
});

describe('metadata instructions', () => {
  it('writes config fields and empty-layer history entries', async () => {
    const text = [
      'FROM busybox',
      'ARG X=1',
      'ARG Y',
      'ENV A=b C="d e"',
      'LABEL a=b "c d"=e',
      'USER app',
      'EXPOSE 80 443/udp',
      'VOLUME /data',
      'STOPSIGNAL SIGTERM',
      'HEALTHCHECK --interval=5s --retries=3 CMD echo ok',
      'SHELL ["/bin/sh", "-xc"]',
      'ONBUILD RUN echo onbuild',
      'MAINTAINER me',
      'ENTRYPOINT ["/bin/sh"]',
      'CMD echo $A',
      '',
    ].join('\n');
    const events: BuildEvent[] = [];
    const r = await build({ context: ctx, dockerfileText: text, store: t.store, tags: ['meta:1'], buildArgs: { Y: 'yy' }, labels: { L1: 'v1' }, onEvent: (e) => events.push(e) });
    const c = r.config.config;
    expect(c.Env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'A=b', 'C=d e']);
    expect(c.Labels).toEqual({ a: 'b', 'c d': 'e', L1: 'v1' });
    expect(c.User).toBe('app');
    expect(c.ExposedPorts).toEqual({ '80/tcp': {}, '443/udp': {} });
    expect(c.Volumes).toEqual({ '/data': {} });
    expect(c.StopSignal).toBe('SIGTERM');
    expect(c.Healthcheck).toEqual({ Test: ['CMD-SHELL', 'echo ok'], Interval: 5e9, Retries: 3 });
    expect(c.Shell).toEqual(['/bin/sh', '-xc']);
    expect(c.OnBuild).toEqual(['RUN echo onbuild']);
    expect(c.Entrypoint).toEqual(['/bin/sh']);
    expect(c.Cmd).toEqual(['/bin/sh', '-xc', 'echo $A']);
    expect(c.ArgsEscaped).toBe(true);
    expect(r.config.author).toBe('me');
    expect(r.config.architecture).toBe('amd64');
    expect(r.config.rootfs.diff_ids).toHaveLength(1);
    const hist = r.config.history!.slice(1);
    expect(hist.map((h) => h.created_by)).toEqual([
      'ARG X=1',
      'ARG Y=yy', // the value it got (current BuildKit dispatchArg), here the build arg
      'ENV A=b C=d e',
      'LABEL a=b c d=e',
      'USER app',
      'EXPOSE [443/udp 80/tcp]',
      'VOLUME [/data]',
      'STOPSIGNAL SIGTERM',
      'HEALTHCHECK {Test:[CMD-SHELL echo ok] Interval:5s Timeout:0s StartPeriod:0s StartInterval:0s Retries:3}',
      'SHELL [/bin/sh -xc]',
      'MAINTAINER me',
      'ENTRYPOINT ["/bin/sh"]',
      'CMD ["/bin/sh" "-xc" "echo $A"]',
    ]);
    for (const h of hist) {
      expect(h.comment).toBe('buildkit.dockerfile.v0');
      expect(h.empty_layer).toBe(true);
      expect(typeof h.created).toBe('string');
    }
    const img = await t.store.getImage('meta:1');
    expect(img?.manifestDigest).toBe(r.imageDigest);
    expect(events.some((e) => e.type === 'step-start' && e.name.startsWith('[stage-0 1/1] FROM busybox'))).toBe(true);
  });

  it('ENTRYPOINT resets an inherited CMD; CMD in the same stage is kept', async () => {
    const a = await build({ context: ctx, dockerfileText: 'FROM busybox\nENTRYPOINT ["/bin/echo"]\n', store: t.store });
    expect(a.config.config.Cmd).toBeUndefined();
    const b = await build({ context: ctx, dockerfileText: 'FROM busybox\nCMD ["x"]\nENTRYPOINT ["/bin/echo"]\n', store: t.store });
    expect(b.config.config.Cmd).toEqual(['x']);
  });

  it('ONBUILD triggers of a stage base are consumed and OnBuild becomes null', async () => {
    const r = await build({ context: ctx, dockerfileText: 'FROM busybox AS base\nONBUILD ENV FROM_TRIGGER=1\nFROM base\nLABEL x=y\n', store: t.store });
    expect(r.config.config.OnBuild).toBeNull();
    expect(r.config.config.Env).toContain('FROM_TRIGGER=1');
    expect(r.config.history!.map((h) => h.created_by)).toContain('ENV FROM_TRIGGER=1');
  });

  it('ONBUILD triggers of a stored base run first in the child; a failing trigger points at FROM', async () => {
    await build({ context: ctx, dockerfileText: 'FROM busybox\nONBUILD ENV TRIGGERED=yes\n', store: t.store, tags: ['trig-ok:1'] });
    const ok = await build({ context: ctx, dockerfileText: 'FROM trig-ok:1\nLABEL after=1\n', store: t.store });
    expect(ok.config.config.Env).toContain('TRIGGERED=yes');
    expect(ok.config.config.OnBuild).toBeNull();
    await build({ context: ctx, dockerfileText: 'FROM busybox\nONBUILD RUN exit 5\n', store: t.store, tags: ['trig-bad:1'] });
    await expect(build({ context: ctx, dockerfileText: '# child\nFROM trig-bad:1\n', store: t.store, network: 'none' })).rejects.toMatchObject({ code: 'E_EXEC_FAILED', location: { line: 2 }, data: { exitCode: 5 } });
  });

  it('SOURCE_DATE_EPOCH sets every created time and gives a reproducible image digest', async () => {
    const text = 'FROM busybox\nENV A=1\nCMD ["a"]\n';
    const a = await build({ context: ctx, dockerfileText: text, store: t.store, sourceDateEpoch: 1700000000 });
    const b = await build({ context: ctx, dockerfileText: text, store: t.store, sourceDateEpoch: 1700000000 });
    expect(a.config.created).toBe('2023-11-14T22:13:20Z');
    expect(a.imageDigest).toBe(b.imageDigest);
  });

  it('rejects a foreign --platform and an unknown base with stable codes', async () => {
    await expect(build({ context: ctx, dockerfileText: 'FROM --platform=linux/arm64 busybox\n', store: t.store })).rejects.toMatchObject({ code: 'E_PLATFORM' });
    await expect(build({ context: ctx, dockerfileText: 'FROM nosuchimage:1\n', store: t.store })).rejects.toMatchObject({ code: 'E_IMAGE_NOT_FOUND', location: { line: 1 } });
    await expect(build({ context: ctx, dockerfileText: 'FROM busybox\nFROM busybox\n', store: t.store, target: 'nope' })).rejects.toMatchObject({ code: 'E_STAGE' });
  });

  it('expands FROM --platform with the global scope (predefined and declared ARGs)', async () => {
    const r = await build({ context: ctx, dockerfileText: 'FROM --platform=$BUILDPLATFORM busybox AS b\nFROM --platform=${TARGETPLATFORM} b\nENV OK=1\n', store: t.store });
    expect(r.config.config.Env).toContain('OK=1');
    await expect(build({ context: ctx, dockerfileText: 'ARG P=linux/arm64\nFROM --platform=$P busybox\n', store: t.store })).rejects.toMatchObject({ code: 'E_PLATFORM', data: { platform: 'linux/arm64' } });
  });

  it('global ARGs expand in FROM', async () => {
    const r = await build({ context: ctx, dockerfileText: 'ARG BASE=busybox\nFROM ${BASE}:latest\nARG BASE\nENV B=$BASE\n', store: t.store });
    expect(r.config.config.Env).toContain('B=busybox');
  });
});
