/**
 * Authentication against real registries: HTTPS with a self-signed CA ($NODE_EXTRA_CA_CERTS) and
 * htpasswd Basic auth, logins through `tsbuild login` (config.json) and through a credential-helper
 * script; token auth (Bearer, WWW-Authenticate) against a token server written in servers.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pullImage, pushImage, type Store } from '@tsbuild/layerstore';
import { importBusybox, STORE_TMP, tempStore, type TempStore } from '../helpers/store.js';
import { runTsbuild } from '../helpers/cli.js';
import { hasRegistry, startRegistry, startTokenServer, type RunningRegistry, type TokenServer } from './servers.js';

const d = describe.skipIf(!hasRegistry);
const cleanup: (() => unknown)[] = [];
let src: TempStore;

beforeAll(async () => {
  if (!hasRegistry) return;
  src = await tempStore('auth-');
  await importBusybox(src.store, { names: ['busybox:latest'] });
  cleanup.push(() => src.cleanup());
});
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

/** one HTTPS + htpasswd registry for the Basic-auth tests (its CA and keys take seconds to make) */
let tlsReg: Promise<RunningRegistry> | undefined;
function tlsRegistry(): Promise<RunningRegistry> {
  return (tlsReg ??= startRegistry({ tls: true, users: { alice: 's3cret', carol: 'pw-carol' } }).then((r) => {
    cleanup.push(() => r.stop());
    return r;
  }));
}

function envDir(): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(STORE_TMP, 'authenv-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, env: { HOME: dir, DOCKER_CONFIG: join(dir, 'docker'), TSBUILD_CONFIG: join(dir, 'none.json'), PATH: `${join(dir, 'bin')}:${process.env.PATH}` } };
}

d('HTTPS with a self-signed CA and htpasswd Basic auth', () => {
  let reg: RunningRegistry;
  beforeAll(async () => {
    reg = await tlsRegistry();
  });

  it('without the CA: a TLS error naming the host, exit 1', async () => {
    const { env } = envDir();
    const t = await tempStore('a-');
    cleanup.push(() => t.cleanup());
    const r = runTsbuild(['pull', '--root', t.root, `${reg.host}/x/y:1`], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach 127\.0\.0\.1:\d+: .*certificate/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('login (wrong password refused, right one saved in config.json), push, pull, logout', async () => {
    const { dir, env } = envDir();
    const caEnv = { ...env, NODE_EXTRA_CA_CERTS: reg.caFile! };
    const bad = runTsbuild(['login', '-u', 'alice', '-p', 'wrong', reg.host], { env: caEnv });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${reg.host}: login: ${reg.host} answered 401`);
    expect(bad.stderr).toContain('[E_REGISTRY_AUTH]');

    const anon = await pullImage(src.store as Store, `${reg.host}/x/y:1`, { env: caEnv }).catch((e: unknown) => e);
    expect(anon).toMatchObject({ code: 'E_REGISTRY_AUTH' });
    expect((anon as Error).message).toContain('requires a login');

    const ok = runTsbuild(['login', '-u', 'alice', '--password-stdin', reg.host], { env: caEnv, input: 's3cret\n' });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const cfg = JSON.parse(readFileSync(join(dir, 'docker/config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    expect(Buffer.from(cfg.auths[reg.host]!.auth, 'base64').toString()).toBe('alice:s3cret');

    const push = runTsbuild(['push', '--root', src.root, 'busybox:latest', `${reg.host}/team/bb:1`], { env: caEnv });
    expect(push.stderr).not.toContain('error');
    expect(push.code).toBe(0);
    const t = await tempStore('a-');
    cleanup.push(() => t.cleanup());
    const pull = runTsbuild(['pull', '--root', t.root, `${reg.host}/team/bb:1`], { env: caEnv });
    expect(pull.code).toBe(0);
    expect((await t.store.getImage(`${reg.host}/team/bb:1`))?.manifestDigest).toBe((await src.store.getImage('busybox:latest'))!.manifestDigest);
    expect(await t.store.fsck()).toEqual([]);

    expect(runTsbuild(['logout', reg.host], { env: caEnv }).code).toBe(0);
    const after = JSON.parse(readFileSync(join(dir, 'docker/config.json'), 'utf8')) as { auths: Record<string, unknown> };
    expect(after.auths[reg.host]).toBeUndefined();
  });

  it('credentials from a credential helper (credHelpers → docker-credential-<name> get)', async () => {
    const { dir, env } = envDir();
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'docker'));
    const helper = join(dir, 'bin', 'docker-credential-testhelper');
    // the helper protocol: server URL on stdin, JSON on stdout; it logs what it was asked
    writeFileSync(helper, `#!/bin/sh\nread server\necho "$1 $server" >> "${join(dir, 'helper.log')}"\n[ "$1" = get ] && printf '{"ServerURL":"%s","Username":"alice","Secret":"s3cret"}' "$server"\nexit 0\n`);
    chmodSync(helper, 0o755);
    writeFileSync(join(dir, 'docker/config.json'), JSON.stringify({ credHelpers: { [reg.host]: 'testhelper' } }));
    await pushImage(src.store as Store, 'busybox:latest', { target: `${reg.host}/helper/bb:1`, env: { ...env, NODE_EXTRA_CA_CERTS: reg.caFile! } });
    expect(readFileSync(join(dir, 'helper.log'), 'utf8')).toContain(`get ${reg.host}`);
  });
});

d('credsStore: tsbuild login stores through the helper, pulls read through it, logout erases', () => {
  let reg: RunningRegistry;
  beforeAll(async () => {
    reg = await tlsRegistry();
  });

  it('login → push → logout with credsStore', async () => {
    const { dir, env } = envDir();
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'docker'));
    const vault = join(dir, 'vault.json');
    // a keychain of one entry: store writes stdin, get prints it, erase removes it
    writeFileSync(join(dir, 'bin', 'docker-credential-vault'), `#!/bin/sh
case "$1" in
  store) cat > "${vault}" ;;
  get) read s; [ -f "${vault}" ] && cat "${vault}" || { echo "credentials not found in native keychain"; exit 1; } ;;
  erase) rm -f "${vault}" ;;
esac
`);
    chmodSync(join(dir, 'bin', 'docker-credential-vault'), 0o755);
    writeFileSync(join(dir, 'docker/config.json'), JSON.stringify({ credsStore: 'vault', other: { kept: true } }));
    const caEnv = { ...env, NODE_EXTRA_CA_CERTS: reg.caFile! };
    const login = runTsbuild(['login', '-u', 'carol', '-p', 'pw-carol', reg.host], { env: caEnv });
    expect(login.code).toBe(0);
    expect(JSON.parse(readFileSync(vault, 'utf8'))).toEqual({ ServerURL: reg.host, Username: 'carol', Secret: 'pw-carol' });
    const cfg = JSON.parse(readFileSync(join(dir, 'docker/config.json'), 'utf8')) as Record<string, unknown>;
    expect(cfg).toMatchObject({ credsStore: 'vault', other: { kept: true }, auths: { [reg.host]: {} } });
    const push = runTsbuild(['push', '--root', src.root, 'busybox:latest', `${reg.host}/vault/bb:1`], { env: caEnv });
    expect(push.code).toBe(0);
    const logout = runTsbuild(['logout', reg.host], { env: caEnv });
    expect(logout.stdout, logout.stderr).toContain(`Removing login credentials for ${reg.host}`);
    expect(() => readFileSync(vault)).toThrow();
    const anon = runTsbuild(['push', '--root', src.root, 'busybox:latest', `${reg.host}/vault/bb:2`], { env: caEnv });
    expect(anon.code).toBe(1);
    expect(anon.stderr).toContain('[E_REGISTRY_AUTH]');
  });
});

d('token auth (Bearer from WWW-Authenticate)', () => {
  let reg: RunningRegistry;
  let tok: TokenServer;
  beforeAll(async () => {
    tok = await startTokenServer({ bob: 'hunter2' });
    cleanup.push(() => tok.stop());
    reg = await startRegistry({ token: tok });
    cleanup.push(() => reg.stop());
  });

  it('anonymous pull of a public repository; push needs a login; tokens are cached per scope', async () => {
    const { dir, env } = envDir();
    mkdirSync(join(dir, 'docker'), { recursive: true });
    const anonPush = await pushImage(src.store as Store, 'busybox:latest', { target: `${reg.host}/public/bb:1`, env }).catch((e: unknown) => e);
    expect(anonPush).toMatchObject({ code: 'E_REGISTRY_AUTH' });

    writeFileSync(join(dir, 'docker/config.json'), JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from('bob:hunter2').toString('base64') } } }));
    tok.requests.length = 0;
    const pushed = await pushImage(src.store as Store, 'busybox:latest', { target: `${reg.host}/public/bb:1`, env });
    expect(pushed.uploadedBlobs + pushed.existingBlobs).toBe(2);
    // one token for the push scope, reused by every request of the push
    expect(tok.requests.filter((r) => r === `bob repository:public/bb:pull,push`)).toHaveLength(1);

    const anonEnv = { ...env, DOCKER_CONFIG: join(dir, 'empty') };
    const t = await tempStore('tok-');
    cleanup.push(() => t.cleanup());
    const r = await pullImage(t.store as Store, `${reg.host}/public/bb:1`, { env: anonEnv });
    expect(r.record.manifestDigest).toBe(pushed.digest);
    expect(tok.requests).toContain('- repository:public/bb:pull');

    // an identity token (docker's "<token>" login): exchanged through the OAuth2 refresh-token form
    mkdirSync(join(dir, 'idtok'));
    writeFileSync(join(dir, 'idtok/config.json'), JSON.stringify({ auths: { [reg.host]: { identitytoken: 'rt-bob' } } }));
    const viaToken = await pushImage(src.store as Store, 'busybox:latest', { target: `${reg.host}/private/bb:1`, env: { ...env, DOCKER_CONFIG: join(dir, 'idtok') } });
    expect(viaToken.digest).toBe(pushed.digest);
    expect(tok.requests).toContain('bob repository:private/bb:pull,push (refresh token)');

    const wrong = { ...env, DOCKER_CONFIG: join(dir, 'wrong') };
    mkdirSync(join(dir, 'wrong'));
    writeFileSync(join(dir, 'wrong/config.json'), JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from('bob:nope').toString('base64') } } }));
    const e = await pullImage(t.store as Store, `${reg.host}/public/bb:1`, { env: wrong }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'E_REGISTRY_AUTH' });
    expect((e as Error).message).toContain('answered 401 (incorrect username or password)');
  });
});
