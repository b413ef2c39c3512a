/**
 * HTTP(S) transport for registry calls: keep-alive agents per TLS mode, the system CAs plus
 * `$NODE_EXTRA_CA_CERTS` (ca.ts: bin/tsbuild defers it, see builder net/fetch.ts), an idle
 * timeout on the response and its body (a registry that stops answering fails the attempt instead
 * of hanging), and the response body as a stream.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Env } from './types.js';
import { trustedCas } from './ca.js';

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  signal?: AbortSignal;
  skipVerify?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
}

/** A network-level failure (reset, refused, timeout, TLS): retryable unless it is TLS. */
export class TransportError extends Error {
  readonly errno: string;
  constructor(message: string, errno: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
    this.errno = errno;
  }
  /** the server does not speak TLS at all (a plain HTTP registry): the one case for HTTP fallback */
  get notTls(): boolean {
    return /WRONG_VERSION_NUMBER|EPROTO|PACKET_LENGTH_TOO_LONG/i.test(this.errno) || /wrong version number|packet length too long/i.test(this.message);
  }
  get tls(): boolean {
    return /SSL|TLS|CERT|EPROTO|SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/i.test(this.errno) || /wrong version number|ssl/i.test(this.message);
  }
}

export class Http {
  private agents?: { https: https.Agent; insecure: https.Agent; http: http.Agent };
  private readonly timeoutMs: number;
  private readonly env: Env;

  constructor(opts: { env: Env; timeoutMs?: number }) {
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.env = opts.env;
  }

  /** made on the first request: node:tls (and the CA bundle) are not loaded by builds that pull nothing */
  private async getAgents(): Promise<NonNullable<Http['agents']>> {
    if (this.agents) return this.agents;
    const ca = await trustedCas(this.env.NODE_EXTRA_CA_CERTS);
    const common = { keepAlive: true, maxSockets: 16 };
    return (this.agents ??= {
      https: new https.Agent({ ...common, ...(ca ? { ca } : {}) }),
      insecure: new https.Agent({ ...common, rejectUnauthorized: false }),
      http: new http.Agent(common),
    });
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const isHttps = req.url.protocol === 'https:';
    const mod = isHttps ? https : http;
    const agents = await this.getAgents();
    const agent = isHttps ? (req.skipVerify ? agents.insecure : agents.https) : agents.http;
    const headers: Record<string, string> = { 'user-agent': 'tsbuild/0.1', ...req.headers };
    if (Buffer.isBuffer(req.body)) headers['content-length'] = String(req.body.length);
    return new Promise<HttpResponse>((resolve, reject) => {
      const r = mod.request(req.url, { method: req.method, headers, agent, signal: req.signal }, (res) => {
        // an answer before the whole upload was sent (401, an error): the rest is not wanted, and
        // the file stream behind it must not stay open
        if (req.body && !Buffer.isBuffer(req.body) && !req.body.readableEnded) req.body.destroy();
        // the idle timer keeps running over the body: a stalled transfer errors the stream
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
      });
      r.on('close', () => {
        if (req.body && !Buffer.isBuffer(req.body) && !req.body.readableEnded) req.body.destroy();
      });
      r.setTimeout(this.timeoutMs, () => r.destroy(new TransportError(`no answer from ${req.url.host} for ${this.timeoutMs < 1000 ? `${this.timeoutMs} ms` : `${Math.round(this.timeoutMs / 1000)} s`}`, 'ETIMEDOUT')));
      r.on('error', (err: NodeJS.ErrnoException) => reject(err instanceof TransportError ? err : new TransportError(`${req.method} ${req.url.host}: ${err.message}`, err.code ?? 'EIO', { cause: err })));
      if (req.body === undefined || Buffer.isBuffer(req.body)) r.end(req.body);
      else req.body.pipe(r);
    });
  }

  close(): void {
    for (const a of Object.values(this.agents ?? {})) a.destroy();
  }
}

/** The body as a Buffer (manifests, token answers, error documents), at most `limit` bytes. */
export async function readBody(res: HttpResponse, limit = 8 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of res.body as AsyncIterable<Buffer>) {
      n += c.length;
      if (n > limit) {
        res.body.destroy();
        throw new TransportError(`response exceeds ${limit} bytes`, 'E2BIG');
      }
      chunks.push(c);
    }
  } catch (err) {
    if (err instanceof TransportError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new TransportError(`reading a response: ${e.message}`, e.code ?? 'EIO', { cause: err });
  }
  return Buffer.concat(chunks);
}

/** Drop a response's body without reading it (frees the keep-alive socket). */
export function discard(res: HttpResponse): void {
  res.body.resume();
  res.body.on('error', () => undefined);
}
