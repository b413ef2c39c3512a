import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { configPath, loadRegistryConfig } from '../../src/registry/config.js';
import { endpointsFor } from '../../src/registry/config.js';
import { parseChallenges } from '../../src/registry/challenge.js';
import { getCredentials } from '../../src/registry/credentials.js';
import { selectPlatform } from '../../src/images/platform.js';

describe('registry config and endpoints', () => {
  it('$TSBUILD_CONFIG, else $XDG_CONFIG_HOME/tsbuild/config.json, else ~/.config', () => {
    expect(configPath({ TSBUILD_CONFIG: '/x.json', HOME: '/h' })).toBe('/x.json');
    expect(configPath({ XDG_CONFIG_HOME: '/xdg', HOME: '/h' })).toBe('/xdg/tsbuild/config.json');
    expect(configPath({ HOME: '/h' })).toBe('/h/.config/tsbuild/config.json');
  });

  it('mirrors first (pull only), schemes, insecure, local hosts HTTPS-then-HTTP', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tscfg-'));
    try {
      writeFileSync(join(dir, 'c.json'), JSON.stringify({
        registry: { 'docker.io': { mirrors: ['http://mirror.corp:5000', 'm2.corp'] }, 'tls.corp': { insecure: true } },
        mirrors: { 'docker.io': ['127.0.0.1:5000'] },
        insecure: ['plain.corp:5000'],
      }));
      const cfg = loadRegistryConfig({ TSBUILD_CONFIG: join(dir, 'c.json') });
      const pull = endpointsFor('docker.io', cfg, 'pull').map((e) => `${e.scheme}://${e.host}${e.mirror ? ' mirror' : ''}${e.httpFallback ? ' fallback' : ''}`);
      expect(pull).toEqual(['http://mirror.corp:5000 mirror', 'https://m2.corp mirror', 'https://127.0.0.1:5000 mirror fallback', 'https://registry-1.docker.io']);
      expect(endpointsFor('docker.io', cfg, 'push').map((e) => e.host)).toEqual(['registry-1.docker.io']);
      expect(endpointsFor('plain.corp:5000', cfg, 'pull')[0]).toMatchObject({ scheme: 'http', httpFallback: false });
      expect(endpointsFor('tls.corp', cfg, 'pull')[0]).toMatchObject({ scheme: 'https', skipVerify: true });
      expect(endpointsFor('ghcr.io', cfg, 'pull')[0]).toMatchObject({ scheme: 'https', skipVerify: false, httpFallback: false });
      expect(endpointsFor('localhost:5000', cfg, 'pull')[0]).toMatchObject({ scheme: 'https', httpFallback: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a config that is not JSON is E_FORMAT naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tscfg-'));
    try {
      writeFileSync(join(dir, 'c.json'), '{ nope');
      expect(() => loadRegistryConfig({ TSBUILD_CONFIG: join(dir, 'c.json') })).toThrow(expect.objectContaining({ code: 'E_FORMAT', message: expect.stringContaining(join(dir, 'c.json')) }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('WWW-Authenticate challenges', () => {
  it('Bearer with quoted params (commas inside quotes), Basic, several challenges', () => {
    expect(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/a:pull,push"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/a:pull,push' } },
    ]);
    expect(parseChallenges('Basic realm="Registry Realm"')).toEqual([{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
    expect(parseChallenges(['Basic realm=x', 'Bearer realm="r"']).map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(parseChallenges(undefined)).toEqual([]);
  });
});

describe('platform selection from an index', () => {
  const m = (architecture: string, variant?: string) => ({ mediaType: 'x', digest: `sha256:${architecture}${variant ?? ''}` as `sha256:${string}`, size: 1, platform: { os: 'linux', architecture, ...(variant ? { variant } : {}) } });
  it('exact variant first, arm64 v8 = no variant, amd64 v1 = no variant, none when missing', () => {
    expect(selectPlatform([m('arm', 'v6'), m('arm', 'v7')], { os: 'linux', architecture: 'arm', variant: 'v7' })?.digest).toBe('sha256:armv7');
    expect(selectPlatform([m('arm64')], { os: 'linux', architecture: 'arm64', variant: 'v8' })?.digest).toBe('sha256:arm64');
    expect(selectPlatform([m('amd64', 'v1'), m('arm64')], { os: 'linux', architecture: 'amd64' })?.digest).toBe('sha256:amd64v1');
    expect(selectPlatform([m('arm64')], { os: 'linux', architecture: 'amd64' })).toBeUndefined();
    expect(selectPlatform([{ ...m('amd64'), platform: { os: 'windows', architecture: 'amd64' } }], { os: 'linux', architecture: 'amd64' })).toBeUndefined();
  });
  it('our config and docker\'s config.json are read alike: missing is empty, broken JSON is E_FORMAT naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tscfg-'));
    try {
      expect(loadRegistryConfig({ TSBUILD_CONFIG: join(dir, 'none.json') }).size).toBe(0);
      expect(getCredentials('example.com', { DOCKER_CONFIG: join(dir, 'none') })).toBeUndefined();
      writeFileSync(join(dir, 'bad.json'), '{"registry": ');
      writeFileSync(join(dir, 'config.json'), '{"auths": ');
      const ours = (() => { try { loadRegistryConfig({ TSBUILD_CONFIG: join(dir, 'bad.json') }); } catch (e) { return e as { code: string; message: string }; } })();
      const docker = (() => { try { getCredentials('example.com', { DOCKER_CONFIG: dir }); } catch (e) { return e as { code: string; message: string }; } })();
      expect([ours?.code, docker?.code]).toEqual(['E_FORMAT', 'E_FORMAT']);
      expect(ours?.message).toMatch(new RegExp(`^${join(dir, 'bad.json')}: not valid JSON: `));
      expect(docker?.message).toMatch(new RegExp(`^${join(dir, 'config.json')}: not valid JSON: `));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
