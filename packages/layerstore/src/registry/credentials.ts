/**
 * Docker's client config (`$DOCKER_CONFIG/config.json`, default `~/.docker/config.json`): the
 * logins docker and tsbuild share. Read: `credHelpers[host]`, else `credsStore`, through
 * `docker-credential-<name> get`; else `auths[host].auth` (base64 user:password). Write
 * (`tsbuild login`/`logout`): through the helper when one is configured, else `auths`, keeping
 * every other key of the file as it was.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { homedir } from 'node:os';
import { StoreError } from '../errors.js';
import type { Credentials, Env } from './types.js';
import { readConfigFile } from './config.js';

/** The key docker uses for Docker Hub in config.json and with credential helpers. */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [k: string]: unknown;
}

export function dockerConfigPath(env: Env): string {
  return join(env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker'), 'config.json');
}

function readConfig(env: Env): DockerConfig {
  return readConfigFile<DockerConfig>(dockerConfigPath(env)) ?? {};
}

/** The key a registry has in config.json (`docker.io` → the Hub's legacy URL). */
export function configKey(registry: string): string {
  return registry === 'docker.io' ? DOCKER_HUB_KEY : registry;
}

/** Match `auths` keys written as URLs (`https://host/v1/`) as docker does. */
function hostOfKey(k: string): string {
  return k.replace(/^https?:\/\//, '').split('/')[0]!;
}

function helperFor(cfg: DockerConfig, registry: string): string | undefined {
  return cfg.credHelpers?.[registry] ?? cfg.credHelpers?.[configKey(registry)] ?? cfg.credsStore ?? undefined;
}

function runHelper(name: string, verb: 'get' | 'store' | 'erase', input: string, env: Env): { ok: boolean; stdout: string; stderr: string } {
  const r = spawnSync(`docker-credential-${name}`, [verb], { input, encoding: 'utf8', env: env as NodeJS.ProcessEnv, timeout: 30_000 });
  // EPIPE: the helper exited without reading its input (erase needs none): its exit status decides
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'EPIPE') throw new StoreError('E_REGISTRY_AUTH', `credential helper docker-credential-${name} could not run: ${r.error.message}`, { helper: name });
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr };
}

/** Stored credentials for `registry` (a reference's domain), or undefined for anonymous access. */
export function getCredentials(registry: string, env: Env): Credentials | undefined {
  const cfg = readConfig(env);
  const helper = helperFor(cfg, registry);
  if (helper) {
    const r = runHelper(helper, 'get', configKey(registry), env);
    // "credentials not found in native keychain": anonymous, as docker does
    if (!r.ok) return undefined;
    try {
      const c = JSON.parse(r.stdout) as { Username?: string; Secret?: string };
      if (c.Username === '<token>') return { identityToken: c.Secret };
      return { username: c.Username, password: c.Secret };
    } catch {
      throw new StoreError('E_REGISTRY_AUTH', `credential helper docker-credential-${helper} answered something that is not JSON`, { helper });
    }
  }
  const auths = cfg.auths ?? {};
  const entry = auths[configKey(registry)] ?? Object.entries(auths).find(([k]) => hostOfKey(k) === hostOfKey(configKey(registry)))?.[1];
  if (!entry) return undefined;
  if (entry.identitytoken) return { identityToken: entry.identitytoken };
  if (entry.auth) {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const i = text.indexOf(':');
    if (i > 0) return { username: text.slice(0, i), password: text.slice(i + 1) };
  }
  if (entry.username) return { username: entry.username, password: entry.password };
  return undefined;
}

/** Save a login (`tsbuild login`): through the configured helper, else base64 in `auths`. */
export function storeCredentials(registry: string, c: { username: string; password: string }, env: Env): void {
  const cfg = readConfig(env);
  const helper = helperFor(cfg, registry);
  if (helper) {
    const r = runHelper(helper, 'store', JSON.stringify({ ServerURL: configKey(registry), Username: c.username, Secret: c.password }), env);
    if (!r.ok) throw new StoreError('E_REGISTRY_AUTH', `credential helper docker-credential-${helper} could not store the login: ${r.stderr.trim() || r.stdout.trim()}`, { helper });
    // docker keeps an empty entry in auths so `docker logout` knows the host
    cfg.auths = { ...(cfg.auths ?? {}), [configKey(registry)]: {} };
  } else {
    cfg.auths = { ...(cfg.auths ?? {}), [configKey(registry)]: { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') } };
  }
  writeConfig(env, cfg);
}

/** Forget a login (`tsbuild logout`); false when there was none. */
export function eraseCredentials(registry: string, env: Env): boolean {
  const cfg = readConfig(env);
  const key = configKey(registry);
  const had = !!cfg.auths && key in cfg.auths;
  const helper = helperFor(cfg, registry);
  let erased = false;
  if (helper) erased = runHelper(helper, 'erase', key, env).ok;
  if (had) {
    delete cfg.auths![key];
    writeConfig(env, cfg);
  }
  return had || erased;
}

function writeConfig(env: Env, cfg: DockerConfig): void {
  const file = dockerConfigPath(env);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(cfg, null, '\t') + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}
