/**
 * The public library API of @tsbuild/builder. The CLI (src/cli) is a thin skin over `build()`.
 * Data flow: Dockerfile text ─parse─▶ Dockerfile IR ─plan─▶ StageGraph ─solve─▶ steps (cache keys)
 *            ─exec─▶ RUN in namespaces ─diff─▶ layer tar ─store─▶ LayerRef ─▶ image record / outputs
 */
import type { Digest, ImageConfig, ImageRecord, LayerStore, RegistryOptions, TransferEvent } from '@tsbuild/layerstore';
import type { DiffFn, Executor, Snapshotter } from './exec/types.js';

export type OutputSpec =
  /** tag into the store (default when `tags` is given) */
  | { type: 'image' }
  /** OCI archive tar */
  | { type: 'oci'; dest: string }
  /** docker-archive tar (loadable by `docker load`) */
  | { type: 'docker'; dest: string }
  /** the final stage's filesystem written to a directory */
  | { type: 'local'; dest: string }
  /** the final stage's filesystem as a tar */
  | { type: 'tar'; dest: string }
  /** pushed to a registry under `names` (default: the build's tags) */
  | { type: 'registry'; names?: string[] };

/** Registry access for FROM pulls, pushes and registry caches (env: DOCKER_CONFIG, HOME, TSBUILD_CONFIG, NODE_EXTRA_CA_CERTS). */
export type RegistrySettings = Omit<RegistryOptions, 'onProgress' | 'signal'>;

/** `--build-context NAME=…`: another image (docker-image://REF) or a local directory */
export type NamedContext = { type: 'image'; ref: string } | { type: 'dir'; path: string } | { type: 'oci-layout'; path: string; ref?: string };

export type Entitlement = 'network.host' | 'security.insecure';

export type SecretSpec = { id: string; src: string } | { id: string; env: string };

export interface BuildOptions {
  /** build context directory */
  context: string;
  /** Dockerfile path (default: <context>/Dockerfile, else <context>/dockerfile) */
  dockerfile?: string;
  /** Dockerfile text given directly (e.g. `-f -`); `dockerfile` then only names it in errors */
  dockerfileText?: string;
  tags?: string[];
  buildArgs?: Record<string, string>;
  target?: string;
  /** true = no cache at all; string[] = stage names whose steps must not come from cache */
  noCache?: boolean | string[];
  outputs?: OutputSpec[];
  secrets?: SecretSpec[];
  /** `--ssh ID=SOCKET`: agent sockets RUN --mount=type=ssh forwards (id `default` for `--ssh default`) */
  ssh?: { id: string; socket: string }[];
  /** `--build-context`: what FROM NAME / COPY --from=NAME see instead of a stage or image NAME */
  namedContexts?: Record<string, NamedContext>;
  labels?: Record<string, string>;
  /** `--annotation KEY=VALUE`: annotations on the image manifest */
  annotations?: Record<string, string>;
  /** `--add-host`: extra /etc/hosts lines in RUN */
  extraHosts?: { host: string; ip: string }[];
  /** `--shm-size`: bytes of RUN's /dev/shm (default 64 MiB) */
  shmSize?: number;
  /** `--ulimit`: resource limits of RUN's processes */
  ulimits?: { name: string; soft: number; hard: number }[];
  /**
   * default network for RUN: 'default' (the default) an isolated namespace with outbound NAT and
   * no reach to the host's loopback; 'host' needs the network.host entitlement in `allow`
   */
  network?: 'default' | 'none' | 'host';
  /** entitlements granted, as BuildKit's `--allow`: RUN --network=host, RUN --security=insecure */
  allow?: Entitlement[];
  /**
   * target platform(s): `linux/arm64`, or a comma-separated list for one image index
   * (`linux/amd64,linux/arm64`); default the host's. RUN of a foreign platform runs under QEMU
   * user emulation (binfmt_misc)
   */
  platform?: string;
  /** store root (default $TSBUILD_ROOT, /var/lib/tsbuild as root, else $XDG_DATA_HOME/tsbuild) */
  root?: string;
  /** SOURCE_DATE_EPOCH: `created` fields and, with rewriteTimestamp, file mtimes in new layers */
  sourceDateEpoch?: number;
  rewriteTimestamp?: boolean;
  /** concurrent stages (default: CPU count) */
  jobs?: number;
  /**
   * gzip level of the layers this build writes (default 1). Level 1 compresses about twice as fast
   * as level 6 for slightly bigger blobs (docs/performance.md). The blob is written on every cache
   * miss and BuildKit keeps its local layers uncompressed, so speed wins by default.
   */
  compressionLevel?: number;
  /** worker threads that create small files while base layers are extracted (see StoreOptions.extractWorkers; default: by the machine's load) */
  extractWorkers?: number;
  signal?: AbortSignal;
  onEvent?: (event: BuildEvent) => void;
  /** how RUN executes when no `executor` is injected: auto (default) | unshare | runc | crun */
  runtime?: 'auto' | 'unshare' | 'runc' | 'crun';
  /** injected side effects (defaults: the store at `root`, the namespace executor, overlay snapshotter) */
  store?: LayerStore;
  executor?: Executor;
  snapshotter?: Snapshotter;
  /** upperdir → OCI layer tar (default: the builder's differ) */
  diff?: DiffFn;
  /** `--cache-from type=local,src=DIR` / `type=registry,ref=REF`: caches imported before solving */
  cacheFrom?: ({ type: 'local'; src: string } | { type: 'registry'; ref: string })[];
  /** `--cache-to type=local,dest=DIR[,mode=min|max]` / `type=registry,ref=REF`: the build's cache exported after it */
  cacheTo?: ({ type: 'local'; dest: string; mode: 'min' | 'max'; ignoreError?: boolean } | { type: 'registry'; ref: string; mode: 'min' | 'max'; ignoreError?: boolean })[];
  /** `--pull`: ask the registry for the current digest of every FROM image, even when the store has it */
  pull?: boolean;
  /** `--push`: push the image under every tag after the build (as `-o type=registry`) */
  push?: boolean;
  /** registry settings (the CLI passes its environment); FROM images missing from the store are pulled */
  registry?: RegistrySettings;
  /** environment used for secrets `env=` and proxy build args; defaults to process.env in the CLI only */
  env?: Record<string, string | undefined>;
}

export interface StepRecord {
  /** e.g. "[build 2/5] RUN make" */
  name: string;
  stage: number;
  index: number;
  instruction: string;
  cacheKey?: string;
  cached: boolean;
  /** for a miss: the first input that changed vs the nearest earlier record, when known */
  missReason?: string;
  durationMs: number;
  layer?: Digest;
  /** the target platform of a multi-platform build's step (`linux/arm64`) */
  platform?: string;
}

export interface BuildResult {
  /** manifest digest of the final image */
  imageDigest: Digest;
  configDigest: Digest;
  image: ImageRecord;
  config: ImageConfig;
  steps: StepRecord[];
  /** bytes of context file content read to compute checksums (0 when every hash was cached) */
  contextBytesRead?: number;
  /** several platforms: `imageDigest` is the index's; each platform's image (`image` is the first's) */
  platforms?: { platform: string; image: ImageRecord }[];
}

export type BuildEvent =
  | { type: 'step-start'; stepId: string; name: string; stage: number; index: number; total: number }
  | { type: 'step-cached'; stepId: string; name: string }
  | { type: 'step-log'; stepId: string; stream: 'stdout' | 'stderr'; data: string }
  | { type: 'step-done'; stepId: string; name: string; durationMs: number; cached: boolean; missReason?: string }
  | { type: 'step-error'; stepId: string; name: string; error: string }
  /** the step's cache key is new: the first input that changed (`src/app.ts changed`), before it runs */
  | { type: 'step-miss'; stepId: string; reason: string }
  /** `debug`: details renderers show only when asked (`--debug`), e.g. the executor chosen */
  | { type: 'info'; message: string; debug?: boolean }
  | { type: 'warning'; message: string; location?: { file: string; line: number } }
  /** a lint finding (BuildKit's build checks): the rule's name, message, place and documentation */
  | { type: 'lint'; rule: string; message: string; location?: { file: string; line: number; column?: number }; url?: string }
  | { type: 'export'; output: OutputSpec['type'] | 'cache'; dest?: string; digest?: Digest }
  /** a blob or manifest moving to or from a registry (pull of a FROM image, push, registry cache) */
  | TransferEvent;

export type { LayerStore };
