import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { applyCopy } from '../../src/copy/applyCopy.js';
import { loadContext } from '../../src/context/loadContext.js';
import { cleanup, makeTree, tmp } from './helpers.js';

const dirs: string[] = [];
afterEach(() => cleanup(...dirs.splice(0)));
function t(): string { const d = tmp('tsb-caps-'); dirs.push(d); return d; }
const getcap = (p: string) => execFileSync('getcap', [p], { encoding: 'utf8' }).trim();
const rootfs = () => makeTree(t(), { files: { 'etc/passwd': 'root:x:0:0::/root:/bin/sh\nu:x:1000:1000::/:/bin/sh\n', 'etc/group': 'root:x:0:\nu:x:1000:\n' } });

describe('COPY from the build context keeps security.capability', () => {
  it('a file copied alone, inside a directory, and with --chown (set after the chown) carries its capability', async () => {
    const d = makeTree(t(), { files: { 'bin/ping': 'ping', 'bin/plain': 'plain', 'bin/sub/net': 'net' } });
    execFileSync('setcap', ['cap_net_raw=ep', join(d, 'bin/ping')]);
    execFileSync('setcap', ['cap_net_admin,cap_net_bind_service+eip', join(d, 'bin/sub/net')]);
    const ctx = await loadContext(d);
    const r = rootfs();
    await applyCopy({ kind: 'COPY', sources: ['bin/'], dest: '/usr/bin/' }, { source: ctx, destRoot: r });
    await applyCopy({ kind: 'COPY', sources: ['bin/ping'], dest: '/ping' }, { source: ctx, destRoot: r });
    await applyCopy({ kind: 'COPY', sources: ['bin/sub/net'], dest: '/owned/', chown: 'u' }, { source: ctx, destRoot: r });
    expect(getcap(join(r, 'usr/bin/ping'))).toContain('cap_net_raw=ep');
    expect(getcap(join(r, 'usr/bin/sub/net'))).toContain('cap_net_bind_service,cap_net_admin=eip');
    expect(getcap(join(r, 'usr/bin/plain'))).toBe('');
    expect(getcap(join(r, 'ping'))).toContain('cap_net_raw=ep');
    expect(getcap(join(r, 'owned/net'))).toContain('cap_net_bind_service,cap_net_admin=eip');
    expect(execFileSync('stat', ['-c', '%u:%g', join(r, 'owned/net')], { encoding: 'utf8' }).trim()).toBe('1000:1000');
  });

  it('capabilities learnt by the checksum are reused; a file setcap-ed after the checksum is read again', async () => {
    const d = makeTree(t(), { files: { 'a/ping': 'ping', 'a/plain': 'plain', 'a/late': 'late' } });
    execFileSync('setcap', ['cap_net_raw=ep', join(d, 'a/ping')]);
    const ctx = await loadContext(d);
    await ctx.checksum(['a']);
    const ping = join(d, 'a/ping');
    const st = (await import('node:fs')).lstatSync(ping);
    expect(ctx.knownCapability!(ping, st)?.length).toBeGreaterThan(0);
    expect(ctx.knownCapability!(join(d, 'a/plain'), (await import('node:fs')).lstatSync(join(d, 'a/plain')))).toBeNull();
    execFileSync('setcap', ['cap_sys_time=ep', join(d, 'a/late')]); // after the checksum: identity changed, unknown
    expect(ctx.knownCapability!(join(d, 'a/late'), (await import('node:fs')).lstatSync(join(d, 'a/late')))).toBeUndefined();
    const r = rootfs();
    await applyCopy({ kind: 'COPY', sources: ['a'], dest: '/a/' }, { source: ctx, destRoot: r });
    expect(getcap(join(r, 'a/ping'))).toContain('cap_net_raw=ep');
    expect(getcap(join(r, 'a/late'))).toContain('cap_sys_time=ep');
    expect(getcap(join(r, 'a/plain'))).toBe('');
  });

  it('an excluded capability file is not created by the capability pass', async () => {
    const d = makeTree(t(), { files: { 'd/keep': 'k', 'd/skip': 's' } });
    execFileSync('setcap', ['cap_net_raw=ep', join(d, 'd/skip')]);
    const r = rootfs();
    await applyCopy({ kind: 'COPY', sources: ['d'], dest: '/d/', exclude: ['skip'] }, { source: await loadContext(d), destRoot: r });
    expect(() => execFileSync('stat', [join(r, 'd/skip')], { stdio: 'ignore' })).toThrow();
    expect(getcap(join(r, 'd/keep'))).toBe('');
  });
});
