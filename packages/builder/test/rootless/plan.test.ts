import { describe, expect, test } from 'vitest';
import { parseSubid } from '../../src/rootless/subid.js';
import { planUserns } from '../../src/rootless/plan.js';
import { probeRootlessHost } from '../../src/rootless/probe.js';
import { coversImageIds, mappedCount } from '../../src/rootless/idmap.js';
import { partialMapWarning } from '../../src/rootless/warn.js';
import type { RootlessHost } from '../../src/rootless/types.js';

const host = (over: Partial<RootlessHost> = {}): RootlessHost => ({
  hostUid: 1001, hostGid: 1001, userName: 'ci', isRoot: false, inUserns: false, uidMap: '0 0 4294967295',
  maxUserNamespaces: 1000, subuids: [{ start: 100000, count: 65536 }], subgids: [{ start: 200000, count: 65536 }],
  newuidmap: '/usr/bin/newuidmap', newgidmap: '/usr/bin/newgidmap', unshare: '/usr/bin/unshare', kernel: '6.1.0', ...over,
});

describe('subid', () => {
  test('ranges by name or uid, comments and malformed lines skipped', () => {
    const text = '# c\nci:100000:65536\nother:165536:65536\n1001:300000:10\nci:bad:1\nci:5:0\n';
    expect(parseSubid(text, 'ci', 1001)).toEqual([{ start: 100000, count: 65536 }, { start: 300000, count: 10 }]);
    expect(parseSubid(text, 'nobody', 7)).toEqual([]);
  });
});

describe('planUserns', () => {
  test('full mapping: 0 -> the user, 1..65536 -> the first subuid/subgid ranges', () => {
    const p = planUserns(host());
    expect(p.mapping).toEqual({ kind: 'full', uids: { start: 100000, count: 65536 }, gids: { start: 200000, count: 65536 } });
    expect(p.unshareArgs).toEqual(['--user', '--map-root-user', '--mount', '--propagation', 'private', '--map-users=100000,1,65536', '--map-groups=200000,1,65536']);
    expect(p.warning).toBeUndefined();
    // the unshare the probe found is the one the re-exec runs (looked up once)
    expect(p.unshare).toBe('/usr/bin/unshare');
    expect(planUserns(host({ subuids: [], unshare: '/opt/bin/unshare' })).unshare).toBe('/opt/bin/unshare');
  });
  test('no subuid range: single mapping with a warning naming why', () => {
    const p = planUserns(host({ subuids: [] }));
    expect(p.mapping.kind).toBe('single');
    expect(p.unshareArgs).not.toContain('--map-users=100000,1,65536');
    expect(p.warning).toContain('no subordinate uid range for ci in /etc/subuid');
  });
  test('no newgidmap: single; asked for full: E_ROOTLESS', () => {
    expect(planUserns(host({ newgidmap: undefined })).warning).toContain('apt-get install uidmap');
    expect(() => planUserns(host({ newgidmap: undefined }), 'full')).toThrow(expect.objectContaining({ code: 'E_ROOTLESS' }));
  });
  test('single forced even with ranges', () => {
    expect(planUserns(host(), 'single').mapping.kind).toBe('single');
  });
  test('a small range warns about higher owners', () => {
    expect(planUserns(host({ subuids: [{ start: 100000, count: 1000 }] })).warning).toContain('1..1000');
  });
  test('user namespaces off: E_ROOTLESS naming the knob', () => {
    expect(() => planUserns(host({ maxUserNamespaces: 0 }))).toThrow(/max_user_namespaces is 0/);
    expect(() => planUserns(host({ unprivilegedUsernsClone: 0 }))).toThrow(/kernel.unprivileged_userns_clone=0/);
    expect(() => planUserns(host({ unshare: undefined }))).toThrow(expect.objectContaining({ code: 'E_ROOTLESS' }));
  });
});

describe('probe', () => {
  const files: Record<string, string> = {
    '/proc/self/uid_map': '         0       1001          1\n         1     100000      65536\n',
    '/proc/self/gid_map': '         0       1001          1\n',
    '/etc/passwd': 'root:x:0:0::/root:/bin/sh\nci:x:1001:1001::/home/ci:/bin/sh\n',
    '/etc/subuid': 'ci:100000:65536\n',
    '/etc/subgid': '1001:100000:65536\n',
    '/proc/sys/user/max_user_namespaces': '15000\n',
  };
  test('inside a user namespace the host ids come from the maps', () => {
    const h = probeRootlessHost({ readFile: (p) => files[p], findTool: (n) => `/usr/bin/${n}`, uid: 0, gid: 0 });
    expect(h).toMatchObject({ hostUid: 1001, hostGid: 1001, userName: 'ci', isRoot: false, inUserns: true, maxUserNamespaces: 15000 });
    expect(h.subuids).toEqual([{ start: 100000, count: 65536 }]);
    // /etc/subgid is looked up by the user (uid spelling here), not the group
    expect(h.subgids).toEqual([{ start: 100000, count: 65536 }]);
    expect(h.unprivilegedUsernsClone).toBeUndefined();
    expect(mappedCount(h.uidMap)).toBe(65537);
  });
  test('the initial namespace as root', () => {
    const h = probeRootlessHost({ readFile: (p) => (p === '/proc/self/uid_map' ? '         0          0 4294967295\n' : undefined), findTool: () => undefined, uid: 0, gid: 0 });
    expect(h).toMatchObject({ isRoot: true, inUserns: false, hostUid: 0 });
  });
});

describe('partialMapWarning', () => {
  test('a userns with one uid warns; a full one, the initial one, or tsbuild\'s own re-exec do not', () => {
    expect(partialMapWarning({}, () => '0 1001 1\n')).toContain('maps 1 uid only');
    expect(partialMapWarning({}, () => '0 1001 1\n1 100000 65536\n')).toBeUndefined();
    expect(partialMapWarning({}, () => '0 0 4294967295\n')).toBeUndefined();
    expect(partialMapWarning({ TSBUILD_USERNS: 'single' }, () => '0 1001 1\n')).toBeUndefined();
  });
  test('one count of mapped ids for the warning, the plan and info: 65535 covers 0..65534', () => {
    expect(mappedCount('0 1001 1\n1 100000 65534\n')).toBe(65535);
    expect(coversImageIds(65535)).toBe(true);
    expect(partialMapWarning({}, () => '0 1001 1\n1 100000 65534\n')).toBeUndefined();
    expect(partialMapWarning({}, () => '0 1001 1\n1 100000 65533\n')).toContain('maps 65534 uids only');
    expect(planUserns(host({ subuids: [{ start: 100000, count: 65535 }], subgids: [{ start: 1, count: 65535 }] })).warning).toBeUndefined();
    expect(planUserns(host({ subuids: [{ start: 100000, count: 65534 }] })).warning).toContain('1..65534');
  });
});

describe('selfArgv', () => {
  test('through the launcher: from the snapshot blob or the plain bin script', async () => {
    const { selfArgv } = await import('../../src/rootless/reexec.js');
    const yes = () => true;
    expect(selfArgv(['images'], true, ['--max-semi-space-size=4', '--snapshot-blob', '/p/builder/bin/../dist/startup/tsbuild.blob'], ['/usr/bin/node', 'images'], yes))
      .toEqual(['/p/builder/bin/tsbuild', 'images']);
    expect(selfArgv(['build', '.'], false, ['--max-semi-space-size=4'], ['/usr/bin/node', '/p/builder/bin/tsbuild.js', 'build', '.'], yes))
      .toEqual(['/p/builder/bin/tsbuild', 'build', '.']);
    // no launcher beside it (a library host): this Node with its flags and script
    expect(selfArgv(['images'], false, ['--x'], ['/usr/bin/node', '/app/cli.js'], () => false)).toEqual([process.execPath, '--x', '/app/cli.js', 'images']);
  });
});
