/**
 * Shapes of the registry client (OCI distribution API / Docker Registry HTTP API v2).
 * Data flow of a pull:  reference ─endpoints(config: mirrors, http)─▶ manifest (index → platform
 * pick) ─▶ config + layer blobs streamed, hashed as they arrive ─▶ store blobs ─▶ tag.
 * A push walks the same chain backwards: HEAD/mount/upload blobs, PUT the manifest under its tag.
 */
import type { Digest } from '../types.js';
import type { Store } from '../store.js';
import type { RegistryClient } from './client.js';

/** Environment the registry code reads (DOCKER_CONFIG, HOME, TSBUILD_CONFIG, NODE_EXTRA_CA_CERTS). */
export type Env = Record<string, string | undefined>;

/** Per-registry settings (JSON form of buildkitd.toml's `[registry."host"]`). */
export interface RegistryHostConfig {
  /** pull from these hosts first (each `host[:port]`, the same repository path), then the origin */
  mirrors?: string[];
  /** plain HTTP */
  http?: boolean;
  /** HTTPS without certificate verification */
  insecure?: boolean;
}

/** `$TSBUILD_CONFIG` or `~/.config/tsbuild/config.json`. */
export interface TsbuildConfig {
  registry?: Record<string, RegistryHostConfig>;
  /** shorthand: `{"docker.io": ["127.0.0.1:5000"]}` */
  mirrors?: Record<string, string[]>;
  /** shorthand: hosts spoken to over plain HTTP (or, for HTTPS hosts, without verification) */
  insecure?: string[];
}

/** One place to talk to: `https://host` or `http://host`. */
export interface Endpoint {
  /** the registry as named in references (`docker.io`, `127.0.0.1:5000`) */
  registry: string;
  /** host[:port] actually contacted (`registry-1.docker.io`, a mirror) */
  host: string;
  scheme: 'https' | 'http';
  /** HTTPS without certificate verification */
  skipVerify: boolean;
  /** a mirror: failures fall through to the next endpoint */
  mirror: boolean;
  /** localhost-like host without explicit configuration: HTTPS first, HTTP when TLS fails */
  httpFallback: boolean;
}

export interface Credentials { username?: string; password?: string; identityToken?: string }

/** Progress of one blob (or manifest) transfer: events the CLI renders as a line per layer. */
export interface TransferEvent {
  /** discriminant */
  type: 'transfer';
  /** which way the blob moves */
  action: 'pull' | 'push';
  /** the image reference being moved */
  ref: string;
  /** the blob's digest */
  digest: Digest;
  /** what this blob is */
  kind: 'manifest' | 'config' | 'layer' | 'blob';
  /** where the transfer is; `done` ends it (`exists` and `mounted` end it without moving bytes) */
  status: 'waiting' | 'exists' | 'downloading' | 'uploading' | 'mounted' | 'retrying' | 'done';
  /** bytes moved so far */
  current: number;
  /** bytes to move */
  total: number;
  /** set with status 'retrying' */
  message?: string;
}

export interface RegistryOptions {
  env?: Env;
  /** parallel blob transfers (default 4) */
  concurrency?: number;
  /** attempts per request for transient failures (default 5) */
  attempts?: number;
  /** first backoff delay (default 250 ms; doubled per attempt, capped at 10 s; Retry-After wins) */
  retryBaseMs?: number;
  /** a response (or a pause inside its body) taking longer than this fails the attempt (default 60 s) */
  timeoutMs?: number;
  /** blobs larger than this are uploaded in chunks of this size (default 64 MiB) */
  chunkSize?: number;
  onProgress?: (e: TransferEvent) => void;
  signal?: AbortSignal;
  /** platform to pick from an index (default: the host's) */
  platform?: { os: string; architecture: string; variant?: string };
}

/**
 * Where one blob moves, and how (a download's and an upload's common surroundings): the store, the
 * registry conversation and endpoint, the repository, the reference errors name, the blob's
 * progress callback and the retry policy.
 */
export interface BlobTransfer {
  store: Store;
  client: RegistryClient;
  ep: Endpoint;
  repo: string;
  display: string;
  progress: (e: Omit<TransferEvent, 'type' | 'action' | 'ref' | 'kind'>) => void;
  opts: RegistryOptions;
}
