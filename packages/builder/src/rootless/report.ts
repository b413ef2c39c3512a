/**
 * The host part of `tsbuild info`: what this host allows a build — root or not, user namespaces,
 * subordinate id ranges, the mapping a rootless build gets, the syscall path (addon or perl), the
 * RUN network's needs, emulation handlers. Reads a few /proc and /etc files; probes nothing that
 * costs a build anything (emulation handlers are only listed).
 */
import { accessSync, constants } from 'node:fs';
import { sysAddon } from '@tsbuild/sys';
import { findTool } from '../exec/host-tools.js';
import { emulationStates } from '../exec/emulation.js';
import { hostPlatform } from '../solve/resolveBase.js';
import { fullMappingBlocker, planUserns, usernsBlocker } from './plan.js';
import { isPrivilegedHelper, probeRootlessHost } from './probe.js';
import { mappingRequest } from './reexec.js';
import { USERNS_ENV } from './env.js';
import { coversImageIds, mappedCount } from './idmap.js';
import type { IdRange, RootlessHost } from './types.js';

export type HostReport = [key: string, value: string][];

export function hostReport(env: NodeJS.ProcessEnv = process.env, host: RootlessHost = probeRootlessHost()): HostReport {
  const rows: HostReport = [];
  const who = `uid ${host.hostUid}${host.userName ? ` (${host.userName})` : ''}`;
  rows.push(['user', host.isRoot ? 'root' : host.inUserns ? `${who}, root in a user namespace` : `${who}, not root: rootless`]);
  rows.push(['kernel', host.kernel]);
  const blocker = usernsBlocker(host);
  const knobs = [
    host.maxUserNamespaces !== undefined ? `max_user_namespaces=${host.maxUserNamespaces}` : undefined,
    host.unprivilegedUsernsClone !== undefined ? `unprivileged_userns_clone=${host.unprivilegedUsernsClone}` : undefined,
    host.apparmorRestrictUserns !== undefined ? `apparmor_restrict_unprivileged_userns=${host.apparmorRestrictUserns}` : undefined,
  ].filter(Boolean).join(', ');
  rows.push(['userns', `${blocker ? `unavailable: ${blocker}` : 'allowed'}${knobs ? ` (${knobs})` : ''}`]);
  rows.push(['subuid', ranges(host.subuids)]);
  rows.push(['subgid', ranges(host.subgids)]);
  rows.push(['newuidmap', helper(host.newuidmap)]);
  rows.push(['newgidmap', helper(host.newgidmap)]);
  rows.push(['mapping', mapping(env, host)]);
  const addon = sysAddon();
  rows.push(['syscalls', addon ? 'N-API addon (dist/native/sys.node)' : `perl server (no addon${env.TSBUILD_NO_NATIVE ? ': TSBUILD_NO_NATIVE set' : ' built'})`]);
  rows.push(['network', network(host)]);
  rows.push(['emulation', emulation()]);
  return rows;
}

function ranges(r: IdRange[]): string {
  return r.length ? r.map((x) => `${x.start}-${x.start + x.count - 1} (${x.count})`).join(', ') : 'none';
}

function helper(path: string | undefined): string {
  if (!path) return 'not installed (Debian: apt-get install uidmap)';
  return isPrivilegedHelper(path) ? `${path} (setuid)` : `${path} (not setuid root: it may lack the privilege to write maps)`;
}

function mapping(env: NodeJS.ProcessEnv, host: RootlessHost): string {
  if (host.isRoot) return 'none needed (root)';
  if (host.inUserns) {
    const n = mappedCount(host.uidMap);
    const how = env[USERNS_ENV] ? `tsbuild's own, ${env[USERNS_ENV]}` : 'entered before tsbuild started';
    return `${coversImageIds(n) ? 'full' : 'single'}: ${n} uid${n === 1 ? '' : 's'} mapped (${how}; uid_map ${host.uidMap.replace(/\n/g, ' / ')})`;
  }
  try {
    const plan = planUserns(host, mappingRequest(env));
    if (plan.mapping.kind === 'single') return `single: only uid 0 → ${host.hostUid} (${fullMappingBlocker(host) ?? 'asked for'})`;
    const { uids } = plan.mapping;
    return `full: 0 → ${host.hostUid}, 1-${uids.count} → ${uids.start}-${uids.start + uids.count - 1}`;
  } catch (err) {
    return `none: ${(err as Error).message}`;
  }
}

/** RUN's default network is slirp4netns, which opens /dev/net/tun as the build's (namespaced) root. */
function network(host: RootlessHost): string {
  const slirp = findTool('slirp4netns');
  if (!slirp) return 'slirp4netns not installed: RUN needs --network none (apt-get install slirp4netns)';
  if (host.isRoot) return `slirp4netns (${slirp})`;
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
    return `slirp4netns (${slirp}), /dev/net/tun usable`;
  } catch {
    return `/dev/net/tun is not readable and writable by uid ${host.hostUid}: RUN's default network fails rootless; use --network none, or make it 0666 as udev does by default`;
  }
}

/** Foreign platforms whose RUN steps can run here (exec/emulation.ts decides); read, never run. */
function emulation(): string {
  const emulated = emulationStates(hostPlatform()).filter((e) => e.state.kind === 'registered')
    .map((e) => `linux/${e.platform.architecture}${e.platform.variant ? `/${e.platform.variant}` : ''} (${(e.state as { handler: string }).handler})`);
  return emulated.length ? emulated.join(', ') : 'no qemu handlers registered (tsbuild setup-emulation --status)';
}
