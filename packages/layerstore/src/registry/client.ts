/**
 * RegistryClient: one registry conversation per instance (tokens cached per host and scope, the
 * hosts that turned out to speak plain HTTP, keep-alive sockets). Speaks the OCI distribution API
 * / Docker Registry HTTP API v2: manifests, blobs, uploads. Every request goes through `send`,
 * which adds auth (Bearer from the WWW-Authenticate challenge, or Basic), follows redirects, and
 * retries transient failures (reset, timeout, 5xx, 429 with Retry-After) with backoff.
 */
import type { Readable } from 'node:stream';
import type { Digest } from '../types.js';
import { registryError, StoreError, integrityError } from '../errors.js';
import { INDEX_TYPES, MANIFEST_TYPES, MEDIA } from '../images/media.js';
import { parseChallenges, type Challenge } from './challenge.js';
import { endpointsFor, loadRegistryConfig } from './config.js';
import { getCredentials } from './credentials.js';
import { discard, Http, readBody, TransportError, type HttpResponse } from './http.js';
import type { Credentials, Endpoint, Env, RegistryHostConfig, RegistryOptions } from './types.js';
import { sha256 } from '../digest.js';
import { attemptsOf, backoff } from './retry.js';

export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerManifestList, MEDIA.ociManifest, MEDIA.dockerManifest].join(', ');

export interface SendRequest {
  method: string;
  /** path below the endpoint (`/v2/…`) or an absolute URL (upload locations) */
  path: string;
  headers?: Record<string, string>;
  /** a fresh body per attempt */
  body?: () => Buffer | Readable;
  /** token scopes this request needs (`repository:lib/x:pull`) */
  scopes: string[];
  /** retry transient failures (default true; false for one-shot stream uploads) */
  retry?: boolean;
  /** the reference errors name (default: the registry) */
  display?: string;
}

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: Digest;
  endpoint: Endpoint;
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);

export class RegistryClient {
  readonly env: Env;
  readonly options: RegistryOptions;
  private readonly http: Http;
  private readonly config: Map<string, RegistryHostConfig>;
  private readonly tokens = new Map<string, { value: string; expires: number }>();
  private readonly challenges = new Map<string, Challenge>();
  private readonly authorizing = new Map<string, Promise<void>>();
  private readonly creds = new Map<string, Credentials | undefined>();
  /** localhost-like hosts that answered HTTPS with a TLS failure: plain HTTP from then on */
  private readonly plainHttp = new Set<string>();

  constructor(options: RegistryOptions = {}) {
    this.options = options;
    this.env = options.env ?? {};
    this.http = new Http({ env: this.env, timeoutMs: options.timeoutMs });
    this.config = loadRegistryConfig(this.env);
  }

  close(): void {
    this.http.close();
  }

  endpoints(registry: string, purpose: 'pull' | 'push'): Endpoint[] {
    return endpointsFor(registry, this.config, purpose);
  }

  baseUrl(ep: Endpoint): string {
    const scheme = ep.scheme === 'https' && this.plainHttp.has(ep.host) ? 'http' : ep.scheme;
    return `${scheme}://${ep.host}`;
  }

  // ── manifests ────────────────────────────────────────────────────────────

  /** GET a manifest or index by tag or digest; the bytes are verified when `reference` is a digest. */
  async getManifest(ep: Endpoint, repo: string, reference: string, display: string): Promise<FetchedManifest> {
    const res = await this.send(ep, { method: 'GET', path: `/v2/${repo}/manifests/${reference}`, headers: { accept: MANIFEST_ACCEPT }, scopes: [`repository:${repo}:pull`], display });
    if (res.status !== 200) throw await this.failure(res, ep, display, `manifest ${reference}`);
    const bytes = await readBody(res, 4 << 20).catch((err: unknown) => {
      throw this.unreachable(ep, display, err);
    });
    const digest = sha256(bytes);
    if (reference.includes(':') && reference !== digest) {
      throw integrityError(`${display}: manifest from ${ep.host} hashes to ${digest}, not the ${reference} asked for`, { expected: reference, actual: digest });
    }
    const mediaType = manifestMediaType(res.headers['content-type'], bytes);
    if (!MANIFEST_TYPES.includes(mediaType) && !INDEX_TYPES.includes(mediaType)) {
      throw new StoreError('E_FORMAT', `${display}: ${ep.host} answered with unsupported manifest media type ${mediaType}`, { mediaType, host: ep.host });
    }
    return { bytes, mediaType, digest, endpoint: ep };
  }

  /** HEAD a manifest: its digest, or undefined when the registry does not have it. */
  async headManifest(ep: Endpoint, repo: string, reference: string, scopes: string[]): Promise<Digest | undefined> {
    const res = await this.send(ep, { method: 'HEAD', path: `/v2/${repo}/manifests/${reference}`, headers: { accept: MANIFEST_ACCEPT }, scopes });
    discard(res);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw await this.failure(res, ep, `${ep.registry}/${repo}:${reference}`, 'manifest');
    const d = res.headers['docker-content-digest'];
    return typeof d === 'string' ? (d as Digest) : undefined;
  }

  async putManifest(ep: Endpoint, repo: string, reference: string, bytes: Buffer, mediaType: string, display: string): Promise<void> {
    const res = await this.send(ep, { method: 'PUT', path: `/v2/${repo}/manifests/${reference}`, headers: { 'content-type': mediaType }, body: () => bytes, scopes: [`repository:${repo}:pull,push`], display });
    if (res.status !== 201 && res.status !== 200) throw await this.failure(res, ep, display, `manifest PUT ${reference}`);
    discard(res);
  }

  // ── blobs ────────────────────────────────────────────────────────────────

  /** GET a blob from byte `from` on (Range when > 0); the caller reads and verifies the body. */
  async getBlob(ep: Endpoint, repo: string, digest: Digest, from: number, display: string): Promise<HttpResponse> {
    const headers: Record<string, string> = from > 0 ? { range: `bytes=${from}-` } : {};
    const res = await this.send(ep, { method: 'GET', path: `/v2/${repo}/blobs/${digest}`, headers, scopes: [`repository:${repo}:pull`], display });
    if (res.status !== 200 && res.status !== 206) throw await this.failure(res, ep, display, `blob ${digest}`);
    return res;
  }

  async hasBlob(ep: Endpoint, repo: string, digest: Digest, scopes: string[]): Promise<boolean> {
    const res = await this.send(ep, { method: 'HEAD', path: `/v2/${repo}/blobs/${digest}`, scopes });
    discard(res);
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw await this.failure(res, ep, `${ep.registry}/${repo}`, `blob ${digest}`);
  }

  /**
   * Start an upload, or mount the blob from `mountFrom` (same registry) when it is there:
   * `{mounted: true}` or the upload location.
   */
  async startUpload(ep: Endpoint, repo: string, display: string, mount?: { digest: Digest; from: string }): Promise<{ mounted: true } | { mounted: false; location: string }> {
    const scopes = [`repository:${repo}:pull,push`];
    let path = `/v2/${repo}/blobs/uploads/`;
    if (mount) {
      path += `?mount=${encodeURIComponent(mount.digest)}&from=${encodeURIComponent(mount.from)}`;
      scopes.push(`repository:${mount.from}:pull`);
    }
    const res = await this.send(ep, { method: 'POST', path, headers: { 'content-length': '0' }, scopes, display });
    discard(res);
    if (res.status === 201 && mount) return { mounted: true };
    if (res.status !== 202) throw await this.failure(res, ep, display, 'blob upload');
    return { mounted: false, location: this.location(ep, res) };
  }

  /** PATCH one chunk at `offset`; the next location. */
  async uploadChunk(ep: Endpoint, repo: string, location: string, chunk: Buffer, offset: number, display: string): Promise<string> {
    const res = await this.send(ep, {
      method: 'PATCH',
      path: location,
      headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + chunk.length - 1}` },
      body: () => chunk,
      scopes: [`repository:${repo}:pull,push`],
      display,
    });
    discard(res);
    if (res.status !== 202) throw await this.failure(res, ep, display, 'blob chunk upload');
    return this.location(ep, res);
  }

  /** PUT `?digest=` closing an upload, with the whole blob (monolithic) or nothing (after chunks). */
  async finishUpload(ep: Endpoint, repo: string, location: string, digest: Digest, body: (() => Buffer | Readable) | undefined, size: number, display: string): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const res = await this.send(ep, {
      method: 'PUT',
      path: url.toString(),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(body ? size : 0) },
      body: body ?? (() => Buffer.alloc(0)),
      scopes: [`repository:${repo}:pull,push`],
      retry: false,
      display,
    });
    discard(res);
    if (res.status !== 201 && res.status !== 204) throw await this.failure(res, ep, display, `blob ${digest} upload`);
  }

  /** `tsbuild login`: GET /v2/ with these credentials (not the stored ones); throws unless accepted. */
  async checkLogin(registry: string, creds: Credentials): Promise<void> {
    const ep = this.endpoints(registry, 'push')[0]!;
    this.creds.set(ep.host === 'registry-1.docker.io' ? 'docker.io' : ep.host, creds);
    const res = await this.send(ep, { method: 'GET', path: '/v2/', scopes: [] });
    if (res.status !== 200) throw await this.failure(res, ep, registry, 'login');
    discard(res);
  }

  // ── the request engine ───────────────────────────────────────────────────

  /** One logical request: auth, redirects, HTTP fallback for local hosts, retries. */
  async send(ep: Endpoint, req: SendRequest): Promise<HttpResponse> {
    const attempts = req.retry === false ? 1 : attemptsOf(this.options);
    let lastErr: unknown;
    for (let attempt = 1; ; attempt++) {
      this.options.signal?.throwIfAborted();
      const viaHttps = this.baseUrl(ep).startsWith('https:');
      try {
        const res = await this.once(ep, req);
        if (RETRY_STATUS.has(res.status) && attempt < attempts) {
          discard(res);
          await backoff(this.options, attempt, retryAfter(res.headers['retry-after']));
          continue;
        }
        return res;
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        if (err.notTls && ep.httpFallback && viaHttps) {
          this.plainHttp.add(ep.host); // docker's rule for local registries: HTTPS first, then HTTP
          attempt--;
          continue;
        }
        lastErr = err;
        if (err.tls || attempt >= attempts || err.errno === 'ENOTFOUND' || err.errno === 'EAI_AGAIN') throw this.unreachable(ep, req.display ?? ep.registry, lastErr);
        await backoff(this.options, attempt);
      }
    }
  }

  private async once(ep: Endpoint, req: SendRequest): Promise<HttpResponse> {
    let url = new URL(/^https?:\/\//.test(req.path) ? req.path : `${this.baseUrl(ep)}${req.path}`);
    let authed = false;
    for (let hops = 0; hops < 6; hops++) {
      const sameHost = url.host === ep.host;
      const headers = { ...req.headers };
      const auth = sameHost ? this.cachedAuth(ep, req.scopes) : undefined;
      if (auth) headers.authorization = auth;
      const res = await this.http.request({ method: req.method, url, headers, body: req.body?.(), skipVerify: ep.skipVerify, signal: this.options.signal });
      if (res.status === 401 && sameHost && !authed) {
        discard(res);
        authed = true;
        // a parallel request may have fetched the token meanwhile: use it instead of asking again
        const now = this.cachedAuth(ep, req.scopes);
        if (now && now !== auth) continue;
        const challenge = parseChallenges(res.headers['www-authenticate'])[0];
        if (!challenge) return res;
        this.challenges.set(ep.host, challenge);
        // parallel requests for one scope share one token request
        const key = tokenKey(ep, req.scopes);
        let pending = this.authorizing.get(key);
        if (!pending) {
          pending = this.authorize(ep, challenge, req.scopes).finally(() => this.authorizing.delete(key));
          this.authorizing.set(key, pending);
        }
        await pending;
        continue;
      }
      if ([301, 302, 303, 307, 308].includes(res.status) && res.headers.location) {
        discard(res);
        url = new URL(res.headers.location, url);
        continue;
      }
      return res;
    }
    throw registryError('E_REGISTRY', `${ep.registry}: too many redirects`, { host: ep.host });
  }

  /** The Authorization header for these scopes, from what this client already learned. */
  private cachedAuth(ep: Endpoint, scopes: string[]): string | undefined {
    const ch = this.challenges.get(ep.host);
    if (!ch) return undefined;
    if (ch.scheme === 'basic') {
      const c = this.credentials(ep);
      return c?.username !== undefined ? `Basic ${Buffer.from(`${c.username}:${c.password ?? ''}`).toString('base64')}` : undefined;
    }
    const t = this.tokens.get(tokenKey(ep, scopes));
    return t && t.expires > Date.now() ? `Bearer ${t.value}` : undefined;
  }

  private async authorize(ep: Endpoint, ch: Challenge, scopes: string[]): Promise<void> {
    if (ch.scheme === 'basic') {
      if (!this.credentials(ep)) throw registryError('E_REGISTRY_AUTH', `${ep.registry}: ${ep.host} requires a login (tsbuild login ${ep.registry})`, { host: ep.host });
      return;
    }
    if (ch.scheme !== 'bearer' || !ch.params.realm) throw registryError('E_REGISTRY_AUTH', `${ep.registry}: unsupported authentication scheme ${ch.scheme} from ${ep.host}`, { host: ep.host });
    const realm = new URL(ch.params.realm);
    const creds = this.credentials(ep);
    const want = scopes.length ? scopes : ch.params.scope ? [ch.params.scope] : [];
    let res: HttpResponse;
    if (creds?.identityToken) {
      // docker's OAuth2 refresh-token flow for identity tokens
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, service: ch.params.service ?? '', scope: want.join(' '), client_id: 'tsbuild' });
      res = await this.http.request({ method: 'POST', url: realm, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(form.toString()), signal: this.options.signal });
    } else {
      if (ch.params.service) realm.searchParams.set('service', ch.params.service);
      for (const s of want) realm.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (creds?.username !== undefined) headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password ?? ''}`).toString('base64')}`;
      res = await this.http.request({ method: 'GET', url: realm, headers, signal: this.options.signal });
    }
    const body = await readBody(res, 1 << 20);
    if (res.status !== 200) {
      const code = res.status === 401 || res.status === 403 ? 'E_REGISTRY_AUTH' : 'E_REGISTRY';
      throw registryError(code, `${ep.registry}: token server ${realm.host} answered ${res.status}${detail(body)}${creds ? '' : ' (no login stored: tsbuild login)'}`, { host: realm.host, status: res.status });
    }
    let doc: { token?: string; access_token?: string; expires_in?: number };
    try {
      doc = JSON.parse(body.toString('utf8')) as typeof doc;
    } catch {
      throw registryError('E_REGISTRY_AUTH', `${ep.registry}: token server ${realm.host} answered something that is not JSON`, { host: realm.host });
    }
    const value = doc.token ?? doc.access_token;
    if (!value) throw registryError('E_REGISTRY_AUTH', `${ep.registry}: token server ${realm.host} gave no token`, { host: realm.host });
    const ttl = Math.max(10, doc.expires_in ?? 60);
    this.tokens.set(tokenKey(ep, scopes), { value, expires: Date.now() + (ttl - 5) * 1000 });
  }

  private credentials(ep: Endpoint): Credentials | undefined {
    const key = ep.host === 'registry-1.docker.io' ? 'docker.io' : ep.host;
    if (!this.creds.has(key)) this.creds.set(key, getCredentials(key, this.env));
    return this.creds.get(key);
  }

  private location(ep: Endpoint, res: HttpResponse): string {
    const loc = res.headers.location;
    if (!loc) throw registryError('E_REGISTRY', `${ep.registry}: upload answer from ${ep.host} has no Location`, { host: ep.host });
    return new URL(loc, this.baseUrl(ep)).toString();
  }

  /** The registry's answer as a typed error naming the reference. */
  async failure(res: HttpResponse, ep: Endpoint, display: string, what: string): Promise<StoreError> {
    const body = await readBody(res, 64 << 10).catch(() => Buffer.alloc(0));
    const code = res.status === 404 ? 'E_REGISTRY_NOT_FOUND' : res.status === 401 || res.status === 403 ? 'E_REGISTRY_AUTH' : 'E_REGISTRY';
    return registryError(code, `${display}: ${what}: ${ep.host} answered ${res.status}${detail(body)}`, { host: ep.host, status: res.status });
  }

  unreachable(ep: Endpoint, display: string, err: unknown): StoreError {
    const e = err as TransportError;
    return registryError('E_REGISTRY_UNREACHABLE', `${display}: cannot reach ${ep.host}: ${e.message}`, { host: ep.host, errno: e.errno }, err);
  }
}

function tokenKey(ep: Endpoint, scopes: string[]): string {
  return `${ep.host} ${[...scopes].sort().join(' ')}`;
}

/** `Retry-After` in ms (seconds or an HTTP date). */
function retryAfter(h: string | string[] | undefined): number | undefined {
  if (typeof h !== 'string') return undefined;
  if (/^\d+$/.test(h.trim())) return Number(h.trim()) * 1000;
  const t = Date.parse(h);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

/** ` (MANIFEST_UNKNOWN: manifest unknown)` from a registry error document, else its first line. */
function detail(body: Buffer): string {
  const text = body.toString('utf8').trim();
  if (!text) return '';
  try {
    const doc = JSON.parse(text) as { errors?: { code?: string; message?: string }[]; error?: string; details?: string };
    if (Array.isArray(doc.errors) && doc.errors.length) return ` (${doc.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ')})`;
    if (doc.error || doc.details) return ` (${doc.error ?? doc.details})`;
  } catch {
    /* not JSON */
  }
  return ` (${text.split('\n')[0]!.slice(0, 200)})`;
}

function manifestMediaType(contentType: string | undefined, bytes: Buffer): string {
  const ct = contentType?.split(';')[0]!.trim();
  if (ct && ct !== 'application/json' && ct !== 'text/plain' && ct !== 'application/octet-stream') return ct;
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { mediaType?: string; manifests?: unknown; schemaVersion?: number };
    if (doc.mediaType) return doc.mediaType;
    if (Array.isArray(doc.manifests)) return MEDIA.ociIndex;
    if (doc.schemaVersion === 2) return MEDIA.ociManifest;
  } catch {
    /* reported by the caller's parse */
  }
  return ct ?? 'application/octet-stream';
}
