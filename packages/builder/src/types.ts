/**
 * The public library API of @tsbuild/builder. The CLI (src/cli) is a thin skin over `build()`.
 * Data flow: Dockerfile text ─parse─▶ Dockerfile IR ─plan─▶ StageGraph ─solve─▶ steps (cache keys)
 *            ─exec─▶ RUN in namespaces ─diff─▶ layer tar ─store─▶ LayerRef ─▶ image record / outputs
 *
 * Every optional property is typed `T | undefined` so callers compiled with
 * `exactOptionalPropertyTypes` can pass their own optional values through (`signal: opts.signal`).
 */
import type { Digest, ImageConfig, ImageRecord, LayerStore, RegistryOptions, TransferEvent as RegistryTransferEvent } from '@tsbuild/layerstore';
import type { DiffFn, Executor, Snapshotter, Ulimit } from './exec/types.js';
import type { Store } from './store/store.js';

/** Where a build's result goes besides the build cache (`--output`). */
export type OutputSpec =
  | {
      /** tag into the store (default when `tags` is given) */
      type: 'image';
    }
  | {
      /** OCI archive tar */
      type: 'oci';
      /** the tar file to write */
      dest: string;
    }
  | {
      /** docker-archive tar (loadable by `docker load`) */
      type: 'docker';
      /** the tar file to write */
      dest: string;
    }
  | {
      /** the final stage's filesystem written to a directory */
      type: 'local';
      /** the directory to write */
      dest: string;
    }
  | {
      /** the final stage's filesystem as a tar */
      type: 'tar';
      /** the tar file to write */
      dest: string;
    }
  | {
      /** pushed to a registry */
      type: 'registry';
      /** the references to push to (default: the build's tags) */
      names?: string[] | undefined;
    };

/**
 * Registry access for FROM pulls, pushes and registry caches: `env` (DOCKER_CONFIG, HOME,
 * TSBUILD_CONFIG, NODE_EXTRA_CA_CERTS for credentials and mirrors), concurrency, retries, timeouts.
 */
export type RegistrySettings = Omit<RegistryOptions, 'onProgress' | 'signal'>;

/** `--build-context NAME=…`: what `FROM NAME` / `COPY --from=NAME` see instead of a stage or image NAME. */
export type NamedContext =
  | {
      /** another image (`docker-image://REF`) */
      type: 'image';
      /** the image reference */
      ref: string;
    }
  | {
      /** a local directory */
      type: 'dir';
      /** the directory */
      path: string;
    }
  | {
      /** an OCI image layout directory (`oci-layout://DIR[@REF]`) */
      type: 'oci-layout';
      /** the layout directory */
      path: string;
      /** the image in it (a tag or digest), when it holds several */
      ref?: string | undefined;
    };

/** `--ssh ID=SOCKET`: an SSH agent socket `RUN --mount=type=ssh` forwards. */
export interface SshSpec {
  /** the id `RUN --mount=type=ssh,id=…` names (`default` for `--ssh default`) */
  id: string;
  /** the agent's socket path */
  socket: string;
}

/** `--add-host HOST:IP`: an extra /etc/hosts line in `RUN`. */
export interface ExtraHost {
  /** the host name */
  host: string;
  /** its address */
  ip: string;
}

/** Rights a build must be granted (`--allow`, as BuildKit's entitlements): `RUN --network=host`, `RUN --security=insecure`. */
export type Entitlement = 'network.host' | 'security.insecure';

/** A build secret for `RUN --mount=type=secret,id=…` (`--secret`): from a file, or from an environment variable. */
export type SecretSpec =
  | {
      /** the id `RUN --mount=type=secret,id=…` names */
      id: string;
      /** a file whose content is the secret */
      src: string;
    }
  | {
      /** the id `RUN --mount=type=secret,id=…` names */
      id: string;
      /** an environment variable whose value is the secret (looked up in `BuildOptions.env`) */
      env: string;
    };

/** `--cache-from type=local,src=DIR` / `type=registry,ref=REF`: a build cache imported before solving. */
export type CacheImportSpec =
  | {
      /** a cache layout directory written by `cacheTo` */
      type: 'local';
      /** the cache layout directory */
      src: string;
    }
  | {
      /** a cache image in a registry */
      type: 'registry';
      /** its reference */
      ref: string;
    };

/** `--cache-to type=local,dest=DIR[,mode=min|max]` / `type=registry,ref=REF`: where the build's cache is exported after it. */
export type CacheExportSpec =
  | {
      /** a directory */
      type: 'local';
      /** the directory to write the cache layout into */
      dest: string;
      /** `min`: the final stage's steps only; `max`: every step of every stage */
      mode: 'min' | 'max';
      /** a failed export is a warning instead of an error */
      ignoreError?: boolean | undefined;
    }
  | {
      /** a cache image in a registry */
      type: 'registry';
      /** the reference to push it to */
      ref: string;
      /** `min`: the final stage's steps only; `max`: every step of every stage */
      mode: 'min' | 'max';
      /** a failed export is a warning instead of an error */
      ignoreError?: boolean | undefined;
    };

/** What to build and how: the options of {@link build}. Only `context` is required. */
export interface BuildOptions {
  /** the build context directory (what `COPY`/`ADD` read from) */
  context: string;
  /** Dockerfile path (default: `<context>/Dockerfile`, else `<context>/dockerfile`) */
  dockerfile?: string | undefined;
  /** Dockerfile text given directly (like `-f -`); `dockerfile` then only names it in errors */
  dockerfileText?: string | undefined;
  /** names to tag the image with in the store (`-t app:1`); normalized like Docker's (`app` is `app:latest`) */
  tags?: string[] | undefined;
  /** `--build-arg NAME=VALUE`: values for the Dockerfile's `ARG`s */
  buildArgs?: Record<string, string> | undefined;
  /** `--target STAGE`: build up to this stage (default: the last stage) */
  target?: string | undefined;
  /** `true`: no cache at all; a list of stage names: those stages' steps are not taken from the cache */
  noCache?: boolean | string[] | undefined;
  /** where the result goes besides the store (`-o`); with `tags` and no outputs, it is tagged into the store */
  outputs?: OutputSpec[] | undefined;
  /** secrets for `RUN --mount=type=secret` */
  secrets?: SecretSpec[] | undefined;
  /** `--label`: labels added to the image config */
  labels?: Record<string, string> | undefined;
  /** `--annotation KEY=VALUE`: annotations on the image manifest */
  annotations?: Record<string, string> | undefined;
  /** `--ssh ID=SOCKET`: agent sockets `RUN --mount=type=ssh` forwards */
  ssh?: SshSpec[] | undefined;
  /** `--build-context`: what `FROM NAME` / `COPY --from=NAME` see instead of a stage or image NAME */
  namedContexts?: Record<string, NamedContext> | undefined;
  /** `--add-host`: extra /etc/hosts lines in `RUN` */
  extraHosts?: ExtraHost[] | undefined;
  /** `--shm-size`: bytes of `RUN`'s /dev/shm (default 64 MiB) */
  shmSize?: number | undefined;
  /** `--ulimit`: resource limits of `RUN`'s processes */
  ulimits?: Ulimit[] | undefined;
  /**
   * default network for `RUN`: `default` (the default) an isolated namespace with outbound NAT and
   * no reach to the host's loopback; `host` needs the `network.host` entitlement in `allow`
   */
  network?: 'default' | 'none' | 'host' | undefined;
  /** entitlements granted, as BuildKit's `--allow`: `RUN --network=host`, `RUN --security=insecure` */
  allow?: Entitlement[] | undefined;
  /**
   * target platform(s): `linux/arm64`, or a comma-separated list for one image index
   * (`linux/amd64,linux/arm64`); default the host's. `RUN` of a foreign platform runs under QEMU
   * user emulation (binfmt_misc)
   */
  platform?: string | undefined;
  /** store directory when no `store` is given (default `$TSBUILD_ROOT`, `/var/lib/tsbuild` as root, else `$XDG_DATA_HOME/tsbuild`) */
  root?: string | undefined;
  /** SOURCE_DATE_EPOCH (seconds): the `created` fields and, with `rewriteTimestamp`, file mtimes in new layers */
  sourceDateEpoch?: number | undefined;
  /** with `sourceDateEpoch`: clamp the mtimes of files in new layers to it (reproducible layers) */
  rewriteTimestamp?: boolean | undefined;
  /** how many stages run at once (default: the CPU count) */
  jobs?: number | undefined;
  /**
   * gzip level of the layers this build writes (default 1). Level 1 compresses about twice as fast
   * as level 6 for slightly bigger blobs (docs/performance.md). The blob is written on every cache
   * miss and BuildKit keeps its local layers uncompressed, so speed wins by default.
   */
  compressionLevel?: number | undefined;
  /** worker threads that create small files while base layers are extracted (default: by the machine's load) */
  extractWorkers?: number | undefined;
  /**
   * cancels the build: the running steps are killed, their mounts removed, and `build()` rejects
   * with `E_CANCELLED` whose `cause` is the signal's reason (e.g. `AbortSignal.timeout(ms)`'s TimeoutError)
   */
  signal?: AbortSignal | undefined;
  /** receives every {@link BuildEvent} as it happens (must not throw; a throwing handler is ignored) */
  onEvent?: ((event: BuildEvent) => void) | undefined;
  /** how `RUN` executes when no `executor` is given: `auto` (default), `unshare`, `runc`, `crun` */
  runtime?: 'auto' | 'unshare' | 'runc' | 'crun' | undefined;
  /** the store to build in (an open {@link Store}, or a raw layer store); default: the store at `root`, opened and closed by the build */
  store?: Store | LayerStore | undefined;
  /** runs `RUN` steps (default: namespaces through util-linux, else runc/crun); see `tsbuild/engine` */
  executor?: Executor | undefined;
  /** prepares the root filesystems steps run in (default: overlayfs); see `tsbuild/engine` */
  snapshotter?: Snapshotter | undefined;
  /** turns a step's changes into an OCI layer tar (default: the builder's differ); see `tsbuild/engine` */
  diff?: DiffFn | undefined;
  /** cache layouts imported before solving (`--cache-from`) */
  cacheFrom?: CacheImportSpec[] | undefined;
  /** where the build's cache is exported after it (`--cache-to`) */
  cacheTo?: CacheExportSpec[] | undefined;
  /** `--pull`: ask the registry for the current digest of every FROM image, even when the store has it */
  pull?: boolean | undefined;
  /** `--push`: push the image under every tag after the build (as `-o type=registry`) */
  push?: boolean | undefined;
  /** registry settings (the CLI passes its environment); FROM images missing from the store are pulled */
  registry?: RegistrySettings | undefined;
  /** environment for secrets `env=` and proxy build args (the CLI passes its own; the library never reads process.env for these) */
  env?: Record<string, string | undefined> | undefined;
}

/** One step of a finished build, in {@link BuildResult.steps}. */
export interface StepRecord {
  /** BuildKit-style step name, e.g. `[build 2/5] RUN make` */
  name: string;
  /** index of the step's stage in the Dockerfile */
  stage: number;
  /** index of the step in its stage (0 is FROM) */
  index: number;
  /** the instruction as written */
  instruction: string;
  /** the step's cache key, when it has one */
  cacheKey?: string | undefined;
  /** whether the step's result came from the cache */
  cached: boolean;
  /** for a cache miss: the first input that changed against the nearest earlier record, when known */
  missReason?: string | undefined;
  /** how long the step took, in ms */
  durationMs: number;
  /** the layer the step added, when it added one */
  layer?: Digest | undefined;
  /** the target platform of a multi-platform build's step (`linux/arm64`) */
  platform?: string | undefined;
}

/** What {@link build} resolves to. */
export interface BuildResult {
  /** the image id: digest of the final image's manifest */
  imageDigest: Digest;
  /** digest of the final image's config */
  configDigest: Digest;
  /** the stored image: manifest, config and layers */
  image: ImageRecord;
  /** the final image config (Env, Cmd, Entrypoint, history …) */
  config: ImageConfig;
  /** every step the build ran or took from the cache, in order */
  steps: StepRecord[];
  /** bytes of context file content read to compute checksums (0 when every hash was cached) */
  contextBytesRead?: number | undefined;
  /** several platforms: `imageDigest` is the index's; each platform's image (`image` is the first's) */
  platforms?: { platform: string; image: ImageRecord }[] | undefined;
}

/** A file position in an event: the Dockerfile (or other file), a 1-based line and column. */
export interface EventLocation {
  /** the file */
  file: string;
  /** 1-based line */
  line: number;
  /** 1-based column, when known */
  column?: number | undefined;
}

/** A step starts: the CLI prints `#ID NAME`. */
export interface StepStartEvent {
  /** discriminant */
  type: 'step-start';
  /** BuildKit-style step id (`1`, `2` …), the same in the step's later events */
  stepId: string;
  /** the step's name, e.g. `[build 2/5] RUN make` */
  name: string;
  /** index of the step's stage */
  stage: number;
  /** index of the step in its stage */
  index: number;
  /** number of steps in the stage */
  total: number;
}

/** A step's result comes from the cache: the CLI prints `#ID CACHED`. A `step-done` with `cached: true` follows. */
export interface StepCachedEvent {
  /** discriminant */
  type: 'step-cached';
  /** the step's id */
  stepId: string;
  /** the step's name */
  name: string;
}

/** Output of a running `RUN` step (a chunk, not necessarily whole lines). */
export interface StepLogEvent {
  /** discriminant */
  type: 'step-log';
  /** the step's id */
  stepId: string;
  /** which stream of the command wrote it */
  stream: 'stdout' | 'stderr';
  /** the text written */
  data: string;
}

/** A step finished, from the cache or not. */
export interface StepDoneEvent {
  /** discriminant */
  type: 'step-done';
  /** the step's id */
  stepId: string;
  /** the step's name */
  name: string;
  /** how long the step took, in ms */
  durationMs: number;
  /** whether the result came from the cache */
  cached: boolean;
  /** for a cache miss: the first input that changed against the nearest earlier record, when known */
  missReason?: string | undefined;
}

/** A step failed; `build()` then rejects with the error. */
export interface StepErrorEvent {
  /** discriminant */
  type: 'step-error';
  /** the step's id */
  stepId: string;
  /** the step's name */
  name: string;
  /** the error's message */
  error: string;
}

/** Something worth telling (the executor chosen, a cache import). */
export interface InfoEvent {
  /** discriminant */
  type: 'info';
  /** the text */
  message: string;
  /** a detail renderers show only when asked (`--debug`), e.g. the executor chosen */
  debug?: boolean | undefined;
}

/** A step's cache key is new: the first input that changed (`src/app.ts changed`), told before the step runs. */
export interface StepMissEvent {
  /** discriminant */
  type: 'step-miss';
  /** the step's id */
  stepId: string;
  /** the first input that changed against the nearest earlier record */
  reason: string;
}

/** A warning (a deprecated form in the Dockerfile, an ignored cache export failure). */
export interface WarningEvent {
  /** discriminant */
  type: 'warning';
  /** the text */
  message: string;
  /** where in the Dockerfile, when it is about a line */
  location?: EventLocation | undefined;
}

/** A lint finding about the Dockerfile (BuildKit's build checks: rule name, message, line). */
export interface LintEvent {
  /** discriminant */
  type: 'lint';
  /** the check's name, e.g. `FromAsCasing` */
  rule: string;
  /** what is wrong */
  message: string;
  /** where in the Dockerfile */
  location?: EventLocation | undefined;
  /** documentation of the rule */
  url?: string | undefined;
}

/**
 * Progress of one blob moving: a manifest, config or layer pulled from or pushed to a registry, or an
 * `ADD <url>` download (one `done` event when it is fetched, none when the HTTP cache still holds it).
 */
export interface TransferEvent extends Omit<RegistryTransferEvent, 'action' | 'kind' | 'message'> {
  /** `pull` / `push`: a registry transfer (layerstore's TransferEvent); `download`: `ADD <url>` */
  action: RegistryTransferEvent['action'] | 'download';
  /** what the blob is (`url`: an `ADD <url>` download) */
  kind: RegistryTransferEvent['kind'] | 'url';
  /** why, with status `retrying` */
  message?: string | undefined;
  /** the step it belongs to (`ADD <url>`), when it belongs to one */
  stepId?: string | undefined;
}

/** An output was written: the image tagged, an archive or directory, the exported cache. */
export interface ExportEvent {
  /** discriminant */
  type: 'export';
  /** which kind of output */
  output: OutputSpec['type'] | 'cache';
  /** the file or directory written, when there is one */
  dest?: string | undefined;
  /** the digest of what was written, when there is one */
  digest?: Digest | undefined;
}

/**
 * Everything {@link BuildOptions.onEvent} receives, as the CLI renders it (`--progress=plain`,
 * `--progress=rawjson`): a union on `type`. Per step: `step-start`, then `step-log` chunks, then
 * `step-cached` (hit) and/or `step-done` (with `missReason` on a miss) or `step-error`.
 */
export type BuildEvent =
  | StepStartEvent
  | StepCachedEvent
  | StepLogEvent
  | StepDoneEvent
  | StepErrorEvent
  | StepMissEvent
  | InfoEvent
  | WarningEvent
  | LintEvent
  | TransferEvent
  | ExportEvent;

export type { LayerStore };
