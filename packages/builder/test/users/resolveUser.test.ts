import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveUser } from '../../src/users/resolveUser.js';
import { resolveChown } from '../../src/users/resolveChown.js';
import { busyboxRootfs } from '../../../../test/helpers/busybox.js';
import { cleanup, makeTree, tmp } from '../copy/helpers.js';

const dirs: string[] = [];
afterEach(() => cleanup(...dirs.splice(0)));
function t(): string { const d = tmp('tsb-users-'); dirs.push(d); return d; }

// busybox's files plus what testUser appends (dockerio 1001, supplementary 1002)
const PASSWD = 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\ndockerio:x:1001:1001::/bin:/bin/false\n';
const GROUP = 'root:x:0:\ndaemon:x:1:\nwheel:x:10:root\nnobody:x:65534:\ndockerio:x:1001:\nsupplementary:x:1002:dockerio\n';
const rootfs = () => makeTree(t(), { files: { 'etc/passwd': PASSWD, 'etc/group': GROUP } });

describe('resolveUser (RUN USER, BuildKit executor rules)', () => {
  it('matches testUser / testUserAdditionalGids expectations', async () => {
    const r = rootfs();
    const cases: [string, number, number, number[]][] = [
      ['', 0, 0, [0, 10]],
      ['root', 0, 0, [0, 10]],
      ['dockerio', 1001, 1001, [1001, 1002]],
      ['1001', 1001, 1001, [1001, 1002]],
      ['dockerio:dockerio', 1001, 1001, [1001]],
      ['1001:dockerio', 1001, 1001, [1001]],
      ['dockerio:1001', 1001, 1001, [1001]],
      ['1001:1001', 1001, 1001, [1001]],
      ['dockerio:supplementary', 1001, 1002, [1002]],
      ['dockerio:1002', 1001, 1002, [1002]],
      ['1001:supplementary', 1001, 1002, [1002]],
      ['1042:1043', 1042, 1043, [1043]],
      ['1234', 1234, 0, [0]],
      ['daemon', 1, 1, [1]],
    ];
    for (const [spec, uid, gid, extra] of cases) {
      expect(await resolveUser(r, spec), spec).toEqual({ uid, gid, additionalGids: extra });
    }
  });

  it('unknown names are E_USER; numeric ids need no entry; no /etc/passwd at all is fine for ids', async () => {
    const r = rootfs();
    expect((await resolveUser(r, 'ghost').catch((e) => e)).code).toBe('E_USER');
    expect((await resolveUser(r, 'root:ghosts').catch((e) => e)).code).toBe('E_USER');
    const empty = t();
    expect(await resolveUser(empty, '5')).toEqual({ uid: 5, gid: 0, additionalGids: [0] });
    expect((await resolveUser(empty, 'app').catch((e) => e)).code).toBe('E_USER');
  });

  it('reads /etc/passwd through symlinks without leaving the rootfs', async () => {
    const r = t();
    mkdirSync(join(r, 'etc'));
    mkdirSync(join(r, 'real'));
    writeFileSync(join(r, 'real/passwd'), 'app:x:4242:4343::/:/bin/sh\n');
    symlinkSync('/real/passwd', join(r, 'etc/passwd')); // absolute: must resolve inside r, not the host's /real
    symlinkSync('../../../../../../../tmp/../etc/hostgroup', join(r, 'etc/group')); // clamped to <rootfs>/etc/hostgroup (absent)
    expect(await resolveUser(r, 'app')).toEqual({ uid: 4242, gid: 4343, additionalGids: [4343] });
  });

  it('works on the real busybox rootfs', async () => {
    const r = busyboxRootfs();
    expect(await resolveUser(r, 'root')).toEqual({ uid: 0, gid: 0, additionalGids: [0, 10] });
    expect(await resolveUser(r, 'nobody')).toEqual({ uid: 65534, gid: 65534, additionalGids: [65534] });
  });
});

describe('resolveChown (COPY --chown, BuildKit FileOp rules)', () => {
  it('name → primary group; id → id:id; user:group by name or id', async () => {
    const r = rootfs();
    expect(await resolveChown(r, 'daemon')).toEqual({ uid: 1, gid: 1 });
    expect(await resolveChown(r, '1000')).toEqual({ uid: 1000, gid: 1000 });
    expect(await resolveChown(r, '1000:nobody')).toEqual({ uid: 1000, gid: 65534 });
    expect(await resolveChown(r, 'dockerio:supplementary')).toEqual({ uid: 1001, gid: 1002 });
    expect(await resolveChown(r, '5:6')).toEqual({ uid: 5, gid: 6 });
  });

  it('an empty part is id 0 (llb marshals UserOpt{Name: ""} as ByID 0): "daemon:" → 1:0, ":daemon" → 0:1', async () => {
    const r = rootfs();
    expect(await resolveChown(r, 'daemon:')).toEqual({ uid: 1, gid: 0 });
    expect(await resolveChown(r, '1000:')).toEqual({ uid: 1000, gid: 0 });
    expect(await resolveChown(r, ':daemon')).toEqual({ uid: 0, gid: 1 });
  });

  it('unknown names fall back to 0 and are reported; strict mode throws E_USER', async () => {
    const r = rootfs();
    expect(await resolveChown(r, 'ghost:wheel')).toEqual({ uid: 0, gid: 10, unresolved: ['user ghost'] });
    expect((await resolveChown(r, 'root:nogroup', { strict: true }).catch((e) => e)).code).toBe('E_USER');
  });
});
