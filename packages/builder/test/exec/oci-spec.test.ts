/** The sandbox parts of the runc config: seccomp, capabilities, rlimits, pids, network namespace. */
import { expect, test } from 'vitest';
import { ociSpec } from '../../src/exec/oci-spec.js';
import type { RunSpec } from '../../src/exec/types.js';

const spec = (extra: Partial<RunSpec> = {}): RunSpec => ({
  rootfs: '/r', args: ['true'], env: [], cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] }, network: 'none', hostname: 'h', mounts: [], ...extra,
});
type Spec = { process: { capabilities: Record<string, string[]>; rlimits: { type: string; soft: number; hard: number }[]; noNewPrivileges: boolean };
  linux: { seccomp?: { defaultAction: string; syscalls: unknown[] }; namespaces: { type: string; path?: string }[]; resources: { pids: { limit: number } } } };

test('default: Docker\'s seccomp profile and capabilities, no inheritable/ambient set, no rlimits of its own (inherited, as BuildKit), a pids limit', () => {
  const s = ociSpec(spec(), { etc: [], mounts: [] }) as Spec;
  expect(s.linux.seccomp?.defaultAction).toBe('SCMP_ACT_ERRNO');
  expect(s.linux.seccomp!.syscalls.length).toBeGreaterThan(10);
  expect(s.process.capabilities.bounding).toHaveLength(14);
  expect(s.process.capabilities.inheritable).toBeUndefined();
  expect(s.process.capabilities.ambient).toBeUndefined();
  expect(s.process.noNewPrivileges).toBe(false);
  expect(s.process.rlimits).toEqual([]);
  expect(s.linux.resources.pids.limit).toBeGreaterThan(0);
  expect(s.linux.namespaces).toContainEqual({ type: 'network' });
});

test('insecure: no seccomp, more capabilities', () => {
  const s = ociSpec(spec({ security: 'insecure' }), { etc: [], mounts: [] }) as Spec;
  expect(s.linux.seccomp).toBeUndefined();
  expect(s.process.capabilities.bounding!.length).toBeGreaterThan(14);
});

test('the default network joins the pooled namespace and never falls back to the host\'s', () => {
  const s = ociSpec(spec({ network: 'default' }), { etc: [], mounts: [] }, '/proc/42/ns/net') as Spec;
  expect(s.linux.namespaces).toContainEqual({ type: 'network', path: '/proc/42/ns/net' });
  expect(() => ociSpec(spec({ network: 'default' }), { etc: [], mounts: [] })).toThrow();
  const host = ociSpec(spec({ network: 'host' }), { etc: [], mounts: [] }) as Spec;
  expect(host.linux.namespaces.some((n) => n.type === 'network')).toBe(false);
});
