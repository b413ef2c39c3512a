/**
 * tsbuild's registry configuration: mirrors and insecure registries, in `$TSBUILD_CONFIG` or
 * `$XDG_CONFIG_HOME/tsbuild/config.json` (default `~/.config/tsbuild/config.json`). The shape is
 * buildkitd.toml's `[registry."host"]` tables as JSON, plus two shorthands:
 *
 *   { "registry": { "docker.io": { "mirrors": ["mirror.corp:5000"] }, "reg.local:5000": { "http": true } },
 *     "mirrors":  { "docker.io": ["127.0.0.1:5000"] },
 *     "insecure": ["reg.local:5000"] }
 *
 * and how a registry name becomes the endpoints to contact (`endpointsFor`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { formatError } from '../errors.js';
import type { Endpoint, Env, RegistryHostConfig, TsbuildConfig } from './types.js';

export function configPath(env: Env): string {
  if (env.TSBUILD_CONFIG) return env.TSBUILD_CONFIG;
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'tsbuild', 'config.json');
}

/**
 * A JSON config file the user may not have (ours, docker's config.json): undefined when it cannot
 * be read, E_FORMAT naming it when it is not JSON.
 */
export function readConfigFile<T>(file: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw formatError(`${file}: not valid JSON: ${(err as Error).message}`, { file });
  }
}

/** The config file's registry settings, merged per host (a missing file is an empty config). */
export function loadRegistryConfig(env: Env): Map<string, RegistryHostConfig> {
  const doc = readConfigFile<TsbuildConfig>(configPath(env));
  if (!doc) return new Map();
  const out = new Map<string, RegistryHostConfig>();
  const get = (h: string) => out.get(h) ?? (out.set(h, {}), out.get(h)!);
  for (const [host, c] of Object.entries(doc.registry ?? {})) Object.assign(get(host), c);
  for (const [host, list] of Object.entries(doc.mirrors ?? {})) get(host).mirrors = [...(get(host).mirrors ?? []), ...list];
  for (const host of doc.insecure ?? []) {
    const c = get(host);
    // "insecure" in docker's daemon.json sense: plain HTTP unless the host is configured for TLS
    if (c.http === undefined && !c.insecure) c.http = true;
  }
  return out;
}

/** Hosts that get plain HTTP as a fallback without configuration (docker's rule). */
export function isLocalHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  return name === 'localhost' || name === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/** Docker Hub's API host. */
export function apiHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

/** Where to send requests for `registry`: mirrors first (pulls only), then the registry itself. */
export function endpointsFor(registry: string, config: Map<string, RegistryHostConfig>, purpose: 'pull' | 'push'): Endpoint[] {
  const out: Endpoint[] = [];
  const one = (host: string, mirror: boolean, scheme?: 'http' | 'https'): Endpoint => {
    const c = config.get(host) ?? {};
    const http = scheme === 'http' || (scheme === undefined && c.http === true);
    return { registry, host: apiHost(host), scheme: http ? 'http' : 'https', skipVerify: c.insecure === true, mirror, httpFallback: !http && scheme === undefined && c.http === undefined && isLocalHost(host) };
  };
  // a mirror written with its scheme (`http://mirror:5000`, as buildkitd accepts) keeps it
  if (purpose === 'pull') for (const m of config.get(registry)?.mirrors ?? []) out.push(one(stripScheme(m), true, /^http:\/\//.test(m) ? 'http' : /^https:\/\//.test(m) ? 'https' : undefined));
  out.push(one(registry, false));
  return out;
}

function stripScheme(m: string): string {
  return m.replace(/^https?:\/\//, '').replace(/\/+$/, '');
}
