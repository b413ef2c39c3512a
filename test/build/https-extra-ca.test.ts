/**
 * bin/tsbuild defers NODE_EXTRA_CA_CERTS (Node would parse it before any code runs); an ADD of an
 * https URL served with a certificate from that extra CA must still be trusted, and one from an
 * unknown CA still refused.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TSBUILD_BIN } from '../helpers/cli.js';
import { restoreDeferredCaEnv } from '../../packages/builder/src/net/fetch.js';

const dir = mkdtempSync(join(tmpdir(), 'tsb-ca-'));
let server: Server;
let port = 0;

beforeAll(async () => {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=tsbuild test CA');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', 'srv.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.pem', '-days', '2', '-extfile', 'ext.cnf');
  // the extra-CA file as users have it: the system bundle plus their own CA
  writeFileSync(join(dir, 'bundle.pem'), `${readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8')}\n${readFileSync(join(dir, 'ca.pem'), 'utf8')}`);
  server = createServer({ key: readFileSync(join(dir, 'srv.key')), cert: readFileSync(join(dir, 'srv.pem')) }, (_req, res) => {
    res.writeHead(200, { 'last-modified': 'Tue, 14 Nov 2023 22:13:20 GMT' }).end('over tls\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as { port: number }).port;
});
afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** async: the HTTPS server runs in this process and must keep answering while tsbuild runs */
async function buildAdd(name: string, env: Record<string, string | undefined>) {
  const ctx = join(dir, `ctx-${name}`);
  const out = join(dir, `out-${name}`);
  execFileSync('mkdir', ['-p', ctx]);
  writeFileSync(join(ctx, 'Dockerfile'), `FROM scratch\nADD https://127.0.0.1:${port}/hello.txt /hello.txt\n`);
  const e: NodeJS.ProcessEnv = { ...process.env, SOURCE_DATE_EPOCH: '' };
  delete e.NODE_EXTRA_CA_CERTS;
  for (const [k, v] of Object.entries(env)) if (v !== undefined) e[k] = v;
  const child = spawn(TSBUILD_BIN, ['build', '--root', join(dir, `store-${name}`), '--progress', 'plain', '-o', `type=local,dest=${out}`, ctx], { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  child.stdout.resume();
  const status = await new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { status, stderr, out };
}

describe('NODE_EXTRA_CA_CERTS through bin/tsbuild', () => {
  it('trusts the extra CA for ADD <https url> (loaded on first use)', async () => {
    const r = await buildAdd('deferred', { NODE_EXTRA_CA_CERTS: join(dir, 'bundle.pem') });
    expect(r.stderr).not.toMatch(/E_FETCH/);
    expect(r.status).toBe(0);
    expect(readFileSync(join(r.out, 'hello.txt'), 'utf8')).toBe('over tls\n');
  });

  it('trusts it too when Node loads it at start (TSBUILD_EAGER_CA=1)', async () => {
    const r = await buildAdd('eager', { NODE_EXTRA_CA_CERTS: join(dir, 'bundle.pem'), TSBUILD_EAGER_CA: '1' });
    expect(r.status).toBe(0);
    expect(readFileSync(join(r.out, 'hello.txt'), 'utf8')).toBe('over tls\n');
  });

  it('refuses a server whose CA is not trusted', async () => {
    const r = await buildAdd('untrusted', {});
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/failed to download https:\/\/127\.0\.0\.1:\d+\/hello\.txt/);
  });

  it('restores the variable for the rest of the process (and its children)', () => {
    const env: NodeJS.ProcessEnv = { TSBUILD_DEFERRED_CA_CERTS: '/etc/x.pem' };
    restoreDeferredCaEnv(env);
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: '/etc/x.pem' });
  });
});
