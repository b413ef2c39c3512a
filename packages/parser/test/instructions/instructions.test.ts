import { describe, expect, it } from 'vitest';
import { parse } from '../../src/parse.js';
import { body, errorOf, one } from '../helpers.js';

describe('FROM', () => {
  it('image, platform, lower-cased stage name', () => {
    const df = parse('FROM --platform=$BUILDPLATFORM busybox:1 AS Build\n');
    expect(df.stages[0]!.from).toMatchObject({ kind: 'FROM', image: 'busybox:1', platform: '$BUILDPLATFORM', stageName: 'build' });
    expect(df.stages[0]!.name).toBe('build');
    expect(df.stages[0]!.from.range.start).toEqual({ line: 1, column: 1 });
  });
  it('errors', () => {
    expect(errorOf('FROM a b').code).toBe('E_PARSE');
    expect(errorOf('FROM a AS 1x').code).toBe('E_STAGE');
    expect(errorOf('FROM --plat=x a').code).toBe('E_FLAG');
    expect(errorOf('FROM --plat=x a').message).toContain('plat');
  });
});

describe('RUN / CMD / ENTRYPOINT / SHELL', () => {
  it('shell and exec form', () => {
    expect(one('RUN echo "a b"', 'RUN').cmd).toEqual({ form: 'shell', command: 'echo "a b"', heredocs: [] });
    expect(one('RUN ["a", "b c"]', 'RUN').cmd).toEqual({ form: 'exec', args: ['a', 'b c'] });
    expect(one('CMD ["a"]x', 'CMD').cmd).toEqual({ form: 'shell', command: '["a"]x', heredocs: [] });
    expect(one('ENTRYPOINT ["x"]', 'ENTRYPOINT').cmd).toEqual({ form: 'exec', args: ['x'] });
    expect(one('SHELL ["/bin/bash", "-c"]', 'SHELL').shell).toEqual(['/bin/bash', '-c']);
  });
  it('SHELL requires JSON; nested JSON is E_JSON', () => {
    expect(errorOf('FROM a\nSHELL /bin/sh -c').code).toBe('E_JSON');
    expect(errorOf('FROM a\nCMD ["a", ["b"]]').code).toBe('E_JSON');
  });
  it('heredocs: content chomped for <<-, raw kept', () => {
    const r = one('RUN <<-EOF\n\techo hi\n\tEOF', 'RUN');
    expect(r.cmd).toEqual({ form: 'shell', command: '<<-EOF', heredocs: [{ name: 'EOF', expand: true, chomp: true, content: 'echo hi\n', rawContent: '\techo hi\n' }] });
    const fd = one('RUN cat 3<<X\nx\nX', 'RUN');
    expect(fd.cmd.form === 'shell' && fd.cmd.heredocs[0]!.fileDescriptor).toBe(3);
  });
  it('--network and --security', () => {
    expect(one('RUN --network=none --security=insecure true', 'RUN')).toMatchObject({ network: 'none', security: 'insecure' });
    expect(errorOf('FROM a\nRUN --network=bogus true').code).toBe('E_FLAG');
    expect(errorOf('FROM a\nRUN --security=x true').code).toBe('E_FLAG');
    expect(errorOf('FROM a\nRUN --network=none --network=host true').message).toContain('duplicate flag specified: network');
    expect(errorOf('FROM a\nRUN --nope true').message).toBe('unknown flag: nope');
  });
});

describe('RUN --mount', () => {
  const mounts = (flags: string) => one(`RUN ${flags} true`, 'RUN').mounts;
  it('bind defaults to read-only', () => {
    expect(mounts('--mount=target=/src')).toEqual([{ type: 'bind', target: '/src', readwrite: false }]);
    expect(mounts('--mount=type=bind,source=a,target=/t,from=base,rw')).toEqual([{ type: 'bind', target: '/t', source: 'a', from: 'base', readwrite: true }]);
    expect(mounts('--mount=type=bind,target=/t,readwrite=true')[0]).toMatchObject({ readwrite: true });
  });
  it('cache defaults: shared, 0755, id = target', () => {
    expect(mounts('--mount=type=cache,target=/c')).toEqual([{ type: 'cache', target: '/c', id: '/c', sharing: 'shared', readonly: false, uid: 0, gid: 0, mode: 0o755 }]);
    // `from=` empty means no from (BuildKit: Mount.From == ""), as buildah's bud test bindfromwithemptyfrom uses it
    expect(mounts('--mount=type=bind,source=.,from=,target=/test')).toEqual([{ type: 'bind', target: '/test', source: '.', readwrite: false }]);
    // an explicit uid/gid/mode is remembered: with from and no source BuildKit then starts the cache empty
    expect(mounts('--mount=type=cache,target=/c,from=b,uid=0')).toEqual([{ type: 'cache', target: '/c', id: '/c', from: 'b', sharing: 'shared', readonly: false, uid: 0, gid: 0, mode: 0o755, ownerSet: true }]);
    expect(mounts('--mount=type=cache,id=x,target=/c,sharing=locked,mode=0700,uid=10,gid=20,ro')[0]).toMatchObject({ id: 'x', sharing: 'locked', mode: 0o700, uid: 10, gid: 20, readonly: true });
  });
  it('tmpfs size, secret and ssh defaults', () => {
    expect(mounts('--mount=type=tmpfs,target=/t,size=64m')).toEqual([{ type: 'tmpfs', target: '/t', size: 64 * 1024 * 1024 }]);
    expect(mounts('--mount=type=secret,id=tok')).toEqual([{ type: 'secret', id: 'tok', target: '/run/secrets/tok', required: false, uid: 0, gid: 0, mode: 0o400 }]);
    expect(mounts('--mount=type=secret,target=/x/key,required')[0]).toMatchObject({ id: 'key', target: '/x/key', required: true });
    expect(mounts('--mount=type=secret,id=t,env=TOKEN')[0]).toEqual({ type: 'secret', id: 't', env: 'TOKEN', required: false, uid: 0, gid: 0, mode: 0o400 });
    expect(mounts('--mount=type=ssh --mount=type=ssh,id=gh')).toEqual([
      { type: 'ssh', id: 'default', required: false, uid: 0, gid: 0, mode: 0o600, target: '/run/buildkit/ssh_agent.0' },
      { type: 'ssh', id: 'gh', required: false, uid: 0, gid: 0, mode: 0o600, target: '/run/buildkit/ssh_agent.1' },
    ]);
  });
  it('CSV quoting', () => {
    // flag words lose their quotes first (extractBuilderFlags), so this is four fields
    expect(errorOf('FROM a\nRUN --mount="type=bind,target=/a,source=x,y" true').message).toContain("invalid field 'y'");
    expect(mounts(`--mount=type=bind,"target=/a b"`)[0]).toMatchObject({ target: '/a b' });
  });
  it('keeps the raw specs and tolerates unexpanded variables', () => {
    const r = one('RUN --mount=type=$T,target=/c,mode=$M true', 'RUN');
    expect(r.mountsRaw).toEqual(['type=$T,target=/c,mode=$M']);
  });
  it('errors', () => {
    for (const bad of ['type=nfs,target=/a', 'type=cache', 'type=cache,target=/a,sharing=x', 'type=bind,target=/a,mode=0700', 'type=cache,target=/a,mode=9', 'target=/a,bogus=1', 'type=tmpfs,target=/a,size=lots', 'type=secret', 'type=secret,id=a,from=b', 'type=bind,target=/a,required', 'foo', 'type=cache,target=/t,from=$X']) {
      expect(errorOf(`FROM a\nRUN --mount=${bad} true`).code, bad).toBe('E_FLAG');
    }
  });
});

describe('COPY / ADD', () => {
  it('COPY flags', () => {
    const c = one('COPY --from=build --chown=1:2 --chmod=0644 --link --parents --exclude=*.md --exclude=x a b /dst/', 'COPY');
    expect(c).toMatchObject({ from: 'build', chown: '1:2', chmod: '0644', link: true, parents: true, exclude: ['*.md', 'x'], sources: ['a', 'b'], dest: '/dst/', heredocs: [] });
    expect(one('COPY a b', 'COPY')).toMatchObject({ link: false, parents: false, exclude: [] });
    expect(one('COPY --link=false a b', 'COPY').link).toBe(false);
    expect(errorOf('FROM a\nCOPY --link= a b').message).toBe('missing a value on flag: link');
  });
  it('ADD flags', () => {
    const a = one('ADD --checksum=sha256:abc --keep-git-dir --unpack=false --chown=x --chmod=755 --link --exclude=e https://x/y /d', 'ADD');
    expect(a).toMatchObject({ checksum: 'sha256:abc', keepGitDir: true, unpack: false, chown: 'x', chmod: '755', link: true, exclude: ['e'], sources: ['https://x/y'], dest: '/d' });
    expect(one('ADD a b', 'ADD')).not.toHaveProperty('unpack');
    expect(errorOf('FROM a\nADD --from=x a b').code).toBe('E_FLAG');
    expect(errorOf('FROM a\nADD --parents a b').code).toBe('E_FLAG');
  });
  it('JSON form and heredoc sources', () => {
    expect(one('COPY ["a b", "/c d"]', 'COPY')).toMatchObject({ sources: ['a b'], dest: '/c d' });
    const c = one('COPY <<A x <<B /d/\n1\nA\n2\nB', 'COPY');
    expect(c.sources).toEqual(['x']);
    expect(c.heredocs.map((h) => [h.name, h.content])).toEqual([['A', '1\n'], ['B', '2\n']]);
  });
  it('errors', () => {
    expect(errorOf('FROM a\nCOPY onlyone').code).toBe('E_PARSE');
    expect(errorOf('FROM a\nCOPY --chmod=64a a b').message).toBe("invalid chmod parameter: '64a'. it should be octal string and between 0 and 07777");
    expect(errorOf('FROM a\nCOPY --chmod=10000 a b').code).toBe('E_FLAG');
    expect(errorOf('FROM a\nCOPY --link=maybe a b').message).toContain('expecting boolean value for flag link');
    expect(errorOf('FROM a\nCOPY --from a b').message).toBe('missing a value on flag: from');
    expect(errorOf('FROM a\nCOPY a <<EOF\nx\nEOF').code).toBe('E_HEREDOC');
  });
});

describe('ENV / LABEL / ARG', () => {
  it('key=value and legacy forms, values raw', () => {
    expect(one('ENV a=1 b="x y"', 'ENV').env).toEqual([{ key: 'a', value: '1' }, { key: 'b', value: '"x y"' }]);
    expect(one('ENV PATH /a b', 'ENV').env).toEqual([{ key: 'PATH', value: '/a b' }]);
    expect(one('LABEL "a b"=c d=e', 'LABEL').labels).toEqual([{ key: '"a b"', value: 'c' }, { key: 'd', value: 'e' }]);
    expect(one('ARG a b=2 c=', 'ARG').args).toEqual([{ name: 'a' }, { name: 'b', value: '2' }, { name: 'c', value: '' }]);
  });
  it('errors', () => {
    expect(errorOf('FROM a\nENV PATH').code).toBe('E_PARSE');
    expect(errorOf('FROM a\nENV =x').message).toBe('ENV names can not be blank');
    expect(errorOf('FROM a\nARG =x').message).toBe('ARG names can not be blank');
    expect(errorOf('FROM a\nARG').code).toBe('E_PARSE');
    expect(errorOf('FROM a\nLABEL').code).toBe('E_PARSE');
  });
});

describe('single-argument and list instructions', () => {
  it('values', () => {
    const [u, w, s, m, e, v, v2] = body('USER a:b\nWORKDIR /x y\nSTOPSIGNAL SIGKILL\nMAINTAINER me <m@x>\nEXPOSE 80 443/tcp\nVOLUME ["/a", "/b"]\nVOLUME /c /d');
    expect(u).toMatchObject({ kind: 'USER', user: 'a:b' });
    expect(w).toMatchObject({ kind: 'WORKDIR', path: '/x y' });
    expect(s).toMatchObject({ kind: 'STOPSIGNAL', signal: 'SIGKILL' });
    expect(m).toMatchObject({ kind: 'MAINTAINER', maintainer: 'me <m@x>' });
    expect(e).toMatchObject({ kind: 'EXPOSE', ports: ['443/tcp', '80'] }); // sorted, as BuildKit does
    expect(v).toMatchObject({ kind: 'VOLUME', volumes: ['/a', '/b'] });
    expect(v2).toMatchObject({ kind: 'VOLUME', volumes: ['/c', '/d'] });
  });
  it('errors', () => {
    for (const t of ['USER', 'WORKDIR', 'STOPSIGNAL', 'EXPOSE', 'VOLUME', 'MAINTAINER']) expect(errorOf(`FROM a\n${t}`).code, t).toBe('E_PARSE');
    expect(errorOf('FROM a\nVOLUME [""]').message).toBe('VOLUME specified can not be an empty string');
  });
});

describe('HEALTHCHECK', () => {
  it('durations in nanoseconds, CMD / CMD-SHELL / NONE', () => {
    const h = one('HEALTHCHECK --interval=5s --timeout=1m30s --start-period=1.5s --start-interval=100ms --retries=3 CMD curl -f x', 'HEALTHCHECK');
    expect(h).toMatchObject({ test: ['CMD-SHELL', 'curl -f x'], interval: 5e9, timeout: 90e9, startPeriod: 1.5e9, startInterval: 1e8, retries: 3 });
    expect(one('HEALTHCHECK CMD ["a", "b"]', 'HEALTHCHECK').test).toEqual(['CMD', 'a', 'b']);
    expect(one('HEALTHCHECK none', 'HEALTHCHECK').test).toEqual(['NONE']);
    expect(one('HEALTHCHECK --whatever=1 NONE', 'HEALTHCHECK').test).toEqual(['NONE']); // flags ignored for NONE, as BuildKit
    expect(one('HEALTHCHECK --interval=0s CMD x', 'HEALTHCHECK').interval).toBe(0);
    expect(one('HEALTHCHECK CMD x', 'HEALTHCHECK')).not.toHaveProperty('interval');
  });
  it('errors', () => {
    expect(errorOf('FROM a\nHEALTHCHECK').code).toBe('E_PARSE');
    expect(errorOf('FROM a\nHEALTHCHECK NONE x').code).toBe('E_PARSE');
    expect(errorOf('FROM a\nHEALTHCHECK CONNECT x').code).toBe('E_PARSE');
    expect(errorOf('FROM a\nHEALTHCHECK CMD').code).toBe('E_PARSE');
    expect(errorOf('FROM a\nHEALTHCHECK --interval=5 CMD x').code).toBe('E_FLAG');
    expect(errorOf('FROM a\nHEALTHCHECK --interval=10us CMD x').code).toBe('E_FLAG');
    expect(errorOf('FROM a\nHEALTHCHECK --retries=-1 CMD x').code).toBe('E_FLAG');
    expect(errorOf('FROM a\nHEALTHCHECK --bogus=1 CMD x').code).toBe('E_FLAG');
  });
});

describe('ONBUILD', () => {
  it('parses the trigger and keeps its text', () => {
    const o = one('ONBUILD RUN echo hi', 'ONBUILD');
    expect(o.expression).toBe('RUN echo hi');
    expect(o.trigger).toMatchObject({ kind: 'RUN', cmd: { form: 'shell', command: 'echo hi' } });
    const h = one('onbuild COPY <<EOF /x\nhello\nEOF', 'ONBUILD');
    expect(h.expression).toBe('COPY <<EOF /x\nhello\nEOF');
    expect(h.trigger).toMatchObject({ kind: 'COPY', heredocs: [{ name: 'EOF', content: 'hello\n' }] });
  });
  it('rejects ONBUILD ONBUILD, FROM, MAINTAINER and bad triggers', () => {
    expect(errorOf('FROM a\nONBUILD ONBUILD RUN x').code).toBe('E_PARSE');
    expect(errorOf('FROM a\nONBUILD FROM x').code).toBe('E_PARSE');
    expect(errorOf('FROM a\nONBUILD MAINTAINER x').code).toBe('E_PARSE');
    expect(errorOf('FROM a\nONBUILD BOGUS x').code).toBe('E_UNKNOWN_INSTRUCTION');
  });
});

describe('unknown instructions and locations', () => {
  it('E_UNKNOWN_INSTRUCTION with a suggestion and a location', () => {
    const e = errorOf('FROM a\n\n  FNTRYPOINT ["x"]\n');
    expect(e.code).toBe('E_UNKNOWN_INSTRUCTION');
    expect(e.message).toBe('unknown instruction: FNTRYPOINT (did you mean ENTRYPOINT?)');
    expect(e.location).toEqual({ file: 'Dockerfile', line: 3, column: 3, endLine: 3, endColumn: 18 });
  });
  it('uses the file name given', () => {
    expect(errorOf.length).toBe(1);
    try {
      parse('FROM a\nFOO', { file: 'x/Dockerfile.dev' });
    } catch (e) {
      expect((e as { location: { file: string } }).location.file).toBe('x/Dockerfile.dev');
    }
  });
});
