/**
 * Real registries for tests: Debian's `docker-registry` (the CNCF distribution registry) on
 * 127.0.0.1 in three setups — plain HTTP; HTTPS with a self-signed CA and htpasswd Basic auth;
 * token auth against a small token server written here — plus a fault-injecting proxy.
 * Every server binds 127.0.0.1 on a free port and lives in a temp dir removed by `stop()`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createSign, randomBytes, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { STORE_TMP } from '../helpers/store.js';

export const REGISTRY_BIN = '/usr/bin/docker-registry';
export const hasRegistry = existsSync(REGISTRY_BIN);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface RunningRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  dir: string;
  /** CA certificate (PEM file) for the TLS setup */
  caFile?: string;
  stop(): Promise<void>;
}

export interface RegistrySetup {
  tls?: boolean;
  /** htpasswd users (bcrypt through perl's crypt, libxcrypt) */
  users?: Record<string, string>;
  /** token auth: realm URL, service, and the signing cert bundle */
  token?: { realm: string; service: string; issuer: string; certFile: string };
}

/** Start `docker-registry serve` with a config.yml written for `setup`. */
export async function startRegistry(setup: RegistrySetup = {}): Promise<RunningRegistry> {
  mkdirSync(STORE_TMP, { recursive: true });
  const dir = mkdtempSync(join(STORE_TMP, 'registry-'));
  const port = await freePort();
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(8).toString('hex')}`,
  ];
  let caFile: string | undefined;
  if (setup.tls) {
    const t = makeTls(dir);
    caFile = t.caFile;
    lines.push('  tls:', `    certificate: ${t.certFile}`, `    key: ${t.keyFile}`);
  }
  if (setup.users) {
    const file = join(dir, 'htpasswd');
    writeFileSync(file, Object.entries(setup.users).map(([u, p]) => `${u}:${bcrypt(p)}\n`).join(''));
    lines.push('auth:', '  htpasswd:', '    realm: test-realm', `    path: ${file}`);
  } else if (setup.token) {
    lines.push('auth:', '  token:', `    realm: ${setup.token.realm}`, `    service: ${setup.token.service}`, `    issuer: ${setup.token.issuer}`, `    rootcertbundle: ${setup.token.certFile}`);
  }
  writeFileSync(join(dir, 'config.yml'), lines.join('\n') + '\n');
  const child = spawn(REGISTRY_BIN, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const host = `127.0.0.1:${port}`;
  await waitForPort(port, child, () => log);
  return {
    host,
    dir,
    caFile,
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited ${child.exitCode}: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createNetServer();
      s.once('error', () => resolve(true)); // in use: the registry listens
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`docker-registry did not listen on ${port}: ${log()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

function bcrypt(password: string): string {
  const salt = randomBytes(16).toString('base64').replace(/[+=]/g, '.').slice(0, 22);
  return execFileSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, `$2b$05$${salt}`], { encoding: 'utf8' });
}

/** A CA and a server certificate for 127.0.0.1 signed by it (openssl). */
function makeTls(dir: string): { caFile: string; certFile: string; keyFile: string } {
  const o = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  o(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=tsbuild test CA']);
  o(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  o(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf']);
  return { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key') };
}

// ── token server ────────────────────────────────────────────────────────────

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  certFile: string;
  /** requests seen: `user scope…` */
  requests: string[];
  stop(): Promise<void>;
}

/**
 * The token endpoint of the Docker token auth spec: Basic credentials checked against `users`,
 * a JWT (RS256, x5c header with the signing certificate that the registry trusts) granting what
 * was asked for — `pull` for anonymous users only on repositories under `public/`.
 */
export async function startTokenServer(users: Record<string, string>): Promise<TokenServer> {
  const dir = mkdtempSync(join(STORE_TMP, 'token-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'tok.key', '-out', 'tok.pem', '-days', '2', '-subj', '/CN=tsbuild token issuer'], { cwd: dir, stdio: 'pipe' });
  const key = readFileSync(join(dir, 'tok.key'), 'utf8');
  const certPem = readFileSync(join(dir, 'tok.pem'), 'utf8');
  const certDer = new X509Certificate(certPem).raw.toString('base64');
  const service = 'tsbuild-test-registry';
  const issuer = 'tsbuild-test-issuer';
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    if (req.method === 'POST') {
      // the OAuth2 refresh-token form docker uses for identity tokens: refresh_token "rt-<user>"
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const user = /^rt-(.+)$/.exec(form.get('refresh_token') ?? '')?.[1];
        if (form.get('grant_type') !== 'refresh_token' || !user || users[user] === undefined) {
          res.writeHead(401, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ details: 'invalid refresh token' }));
        }
        const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
        requests.push(`${user} ${scopes.join(' ')} (refresh token)`);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: sign(user, scopes), expires_in: 300 }));
      });
      return;
    }
    const url = new URL(req.url!, 'http://x');
    let user = '';
    const auth = req.headers.authorization;
    if (auth?.startsWith('Basic ')) {
      const [u, p] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
      if (users[u!] === undefined || users[u!] !== p) {
        res.writeHead(401, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ details: 'incorrect username or password' }));
      }
      user = u!;
    }
    const scopes = url.searchParams.getAll('scope');
    requests.push(`${user || '-'} ${scopes.join(' ')}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: sign(user, scopes), expires_in: 300 }));
  });
  function sign(user: string, scopes: string[]): string {
    const access = scopes.flatMap((s) => {
      const [type, name, actions] = s.split(':') as [string, string, string];
      const granted = user ? actions.split(',') : name.startsWith('public/') ? actions.split(',').filter((a) => a === 'pull') : [];
      return [{ type, name, actions: granted }];
    });
    const now = Math.floor(Date.now() / 1000);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = b64({ typ: 'JWT', alg: 'RS256', x5c: [certDer] });
    const body = b64({ iss: issuer, sub: user, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access });
    const sig = createSign('RSA-SHA256').update(`${head}.${body}`).sign(key).toString('base64url');
    return `${head}.${body}.${sig}`;
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certFile: join(dir, 'tok.pem'),
    requests,
    stop: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ── fault-injecting proxy ───────────────────────────────────────────────────

/** What the proxy does with one request: pass it, or break it in a chosen way. */
export type Fault = 'pass' | 'reset-mid-body' | 'status-500' | 'status-429' | 'corrupt' | 'hang' | 'no-range' | { body: string; contentType: string };

export interface FaultProxy {
  host: string;
  /** every request seen: `METHOD path [range]` */
  log: string[];
  stop(): Promise<void>;
}

/**
 * An HTTP proxy in front of `upstream` (`127.0.0.1:PORT`); `plan(req, n)` decides per request
 * (n counts requests to the same method+path from 1).
 */
export async function startFaultProxy(upstream: string, plan: (req: IncomingMessage, n: number) => Fault): Promise<FaultProxy> {
  const counts = new Map<string, number>();
  const log: string[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((req, res: ServerResponse) => {
    const key = `${req.method} ${req.url}`;
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    log.push(`${key}${req.headers.range ? ` ${req.headers.range}` : ''}`);
    const fault = plan(req, n);
    if (fault === 'hang') return; // never answers
    if (typeof fault === 'object') {
      res.writeHead(200, { 'content-type': fault.contentType, 'content-length': Buffer.byteLength(fault.body) });
      return res.end(req.method === 'HEAD' ? undefined : fault.body);
    }
    if (fault === 'status-500') {
      res.writeHead(500, { 'content-type': 'application/json' });
      return res.end('{"errors":[{"code":"UNKNOWN","message":"injected failure"}]}');
    }
    if (fault === 'status-429') {
      res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
      return res.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}');
    }
    const headers = { ...req.headers, host: upstream };
    if (fault === 'no-range') delete headers.range;
    const up = httpRequest({ host: '127.0.0.1', port: Number(upstream.split(':')[1]), method: req.method, path: req.url, headers }, (ures) => {
      const h = { ...ures.headers };
      if (ures.headers.location) h.location = ures.headers.location.replace(upstream, `127.0.0.1:${port}`);
      res.writeHead(ures.statusCode ?? 502, h);
      if (fault === 'reset-mid-body') {
        let sent = 0;
        const half = Math.max(1, Math.floor(Number(ures.headers['content-length'] ?? 2) / 2));
        ures.on('data', (c: Buffer) => {
          if (sent >= half) return;
          const part = c.subarray(0, half - sent);
          sent += part.length;
          res.write(part);
          if (sent >= half) {
            ures.destroy();
            res.socket?.destroy();
          }
        });
        return;
      }
      if (fault === 'corrupt') {
        let first = true;
        ures.on('data', (c: Buffer) => {
          if (first && c.length) {
            c = Buffer.from(c);
            c[0] = c[0]! ^ 0xff;
            first = false;
          }
          res.write(c);
        });
        ures.on('end', () => res.end());
        return;
      }
      ures.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    log,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
