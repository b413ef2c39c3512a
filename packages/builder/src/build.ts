/**
 * build(options): Dockerfile text ─parse─▶ stages ─stageGraph─▶ needed stages ─solve─▶ image
 * state (cache keys; layers only for steps that miss) ─▶ image record ─▶ tags and outputs.
 */
import { reapDeadBuilds } from './snapshot/reap.js';
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import { openStore, pushImage, RegistryClient, Store, type Digest, type ImageConfig, type LayerStore } from '@tsbuild/layerstore';
import type { RemoteBlobs } from './cache-io/registryCache.js';
import { lint, type ParsedDockerfile } from '@tsbuild/parser';
import { toTsbuildError } from '@tsbuild/errors';
import { platformArgs } from './solve/vars.js';
import { namedContext } from './solve/namedContexts.js';
import { lookupImageAhead } from './solve/images.js';
import { expandStep } from './solve/expand.js';
import { globalVars } from './solve/vars.js';
import { findStage } from './solve/stageRef.js';
import { BuildError, noSpaceError } from './errors.js';
import { refuseMultiPlatformOutputs, writeIndexOutputs, writeOutputs } from './output/writeOutputs.js';
import { parsePlan, planBuild } from './plan/planBuild.js';
import { checkStageReferences, checkTags } from './plan/checkReferences.js';
import { readDockerfile } from './plan/readDockerfile.js';
import { Progress } from './progress/progress.js';
import { defaultDiff, defaultExecutor, defaultSnapshotter } from './solve/defaults.js';
import { finalizeConfig } from './solve/finalizeConfig.js';
import { loadContextSource } from './solve/loadContextSource.js';
import { prefetchContextChecksums } from './solve/prefetch.js';
import { formatPlatform, hostPlatform, parsePlatform, targetPlatforms, type Platform } from './solve/resolveBase.js';
import { settleWrites, solveGraph } from './solve/solveGraph.js';
import type { SolveContext } from './solve/types.js';
import type { BuildOptions, BuildResult } from './types.js';
import type { Executor } from './exec/types.js';
import { isStore } from './store/store.js';

/**
 * Build an image from a Dockerfile, as `docker build` (BuildKit) would: steps are cached in the
 * store, `RUN` runs in Linux namespaces on overlayfs, and the image is tagged with `tags`.
 *
 * Many builds can run at once, in one process or several, on one store.
 *
 * @param options - what to build: `context` (required), `tags`, `buildArgs`, `target`, `outputs`,
 *   `signal` to cancel, `onEvent` for progress; see {@link BuildOptions}
 * @returns the image's digests, record and config, and every step with its cache outcome
 * @throws {@link TsbuildError} always (a `ParseError` for a bad Dockerfile, `BuildError` for a failed
 *   step with `code` `E_EXEC_FAILED`, `E_CANCELLED` with the signal's reason as `cause` …; see docs/errors.md)
 *
 * @example
 * ```ts
 * const result = await build({ context: '.', tags: ['app:1'], signal: AbortSignal.timeout(600_000), onEvent: (e) => console.log(e.type) });
 * console.log(result.imageDigest);
 * ```
 */
export async function build(options: BuildOptions): Promise<BuildResult> {
  const progress = new Progress(options.onEvent);
  const abort = new AbortController();
  const onAbort = () => abort.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  // a store this build opened itself is closed at the end (its GC lease is dropped)
  let ownStore: { close(): Promise<void> } | undefined;
  let storeRoot: string | undefined;
  // the executor, once a step needed one (disposed at the end: its scratch templates)
  let executorUsed: (Executor & { dispose?(): void }) | undefined;
  // the registry client, once a pull/push/registry cache needed one (its sockets closed at the end)
  let registryClient: RegistryClient | undefined;
  // the dead-build reaper, running alongside until the solve is done
  let reaping: Promise<void> | undefined;
  const registry = () => (registryClient ??= new RegistryClient({ ...options.registry, signal: abort.signal, onProgress: (e) => progress.emit(e) }));
  try {
    checkTags([...(options.tags ?? []), ...(options.outputs ?? []).flatMap((o) => (o.type === 'registry' ? (o.names ?? []) : []))]);
    if (options.push || (options.outputs ?? []).some((o) => o.type === 'registry')) registryTargets(options);
    const source = await readDockerfile(options);
    const host = hostPlatform();
    const platform = host;
    const targets = targetPlatforms(options.platform, host);
    const multi = targets.length > 1;
    if (multi) refuseMultiPlatformOutputs(options);
    // parsed once (the result is pure); one plan per platform: global ARGs and FROM may use TARGETARCH …
    const parsed = parsePlan(source, { target: options.target });
    const plans = targets.map((target) => {
      const plan = planBuild(parsed, { target: options.target, buildArgs: options.buildArgs, builtins: platformArgs(target, host) });
      checkStageReferences(plan.dockerfile, plan.graph, plan.globalArgs, plan.builtins);
      return { target, plan, builtinArgs: plan.builtins };
    });
    const plan = plans[0]!.plan;
    let store: LayerStore | undefined = isStore(options.store) ? options.store.layers : options.store;
    if (!store) {
      const opened = await openStore(options.root, { extractWorkers: options.extractWorkers });
      ownStore = opened;
      store = opened;
    }
    storeRoot = store.root;
    // a killed build's mounts, scratch and secret copies (two readdirs when there are none), removed
    // while this one loads its context and solves: done before anything is written or the build ends
    const reapIn = store;
    // started as a microtask: its scans (sync, tens of µs) run while the context's first stats are in flight
    reaping = Promise.resolve().then(() => reapDeadBuilds(reapIn)).then((reaped) => {
      if (reaped.scratchDirs || reaped.secretDirs) progress.info(`removed what ${reaped.scratchDirs + reaped.secretDirs} killed build(s) left (${reaped.mounts} mounts)`);
    });
    reaping.catch(() => undefined); // awaited below (or its error reported in finally)
    if (options.namedContexts && Object.values(options.namedContexts).some((c) => c.type === 'oci-layout')) {
      // oci-layout:// contexts: their image copied into the store (untagged), then named by digest
      const { importOciLayout } = await import('./solve/ociLayout.js');
      const named = { ...options.namedContexts };
      for (const [name, c] of Object.entries(named)) {
        if (c.type === 'oci-layout') named[name] = { type: 'image', ref: await importOciLayout(store, c.path, c.ref, platform) };
      }
      options = { ...options, namedContexts: named };
    }
    const context = await loadContextSource(options.context, { dockerfilePath: options.dockerfileText === undefined ? source.file : undefined, cacheFile: store.contextCacheFile(), tmpDir: () => store!.tmpDir(), signal: abort.signal });
    prefetchContextChecksums(plan.dockerfile, plan.graph, context);
    // the registry cache's layers, fetched when a step first needs them (cache-io/registryCache.ts)
    let remote: RemoteBlobs | undefined;
    if (options.cacheFrom?.length) {
      const { importCache } = await import('./cache-io/importCache.js');
      for (const c of options.cacheFrom) {
        if (c.type === 'registry') {
          const rc = await import('./cache-io/registryCache.js');
          if (!(store instanceof Store)) throw new BuildError('E_USAGE', '--cache-from type=registry needs the on-disk store');
          remote ??= { blobs: new Map(), records: new Map(), client: registry(), onProgress: (e) => progress.emit(e) };
          const r = await rc.importCacheFromRegistry(store, remote, c.ref);
          progress.info(`importing cache from ${c.ref}: ${r.records} records (${r.remoteLayers} layers fetched when needed)`);
          continue;
        }
        const r = await importCache(store, { src: c.src });
        progress.info(`importing cache from ${c.src}: ${r.records} records`);
      }
      if (remote && store instanceof Store) store = (await import('./cache-io/registryCache.js')).withRemoteBlobs(store, remote);
    }
    const epoch = options.sourceDateEpoch !== undefined ? new Date(options.sourceDateEpoch * 1000).toISOString().replace('.000Z', 'Z') : undefined;
    const getExecutor = defaultExecutor(options, () => store!.tmpDir(), (m) => progress.debug(m));
    const executor = async () => (executorUsed = await getExecutor());
    const snapshotter = defaultSnapshotter(options, () => store!.tmpDir(), (m) => progress.debug(m));
    const diff = defaultDiff(options);
    // shared by every platform's solve: cache mounts, images looked up, steps running now
    const cacheMountUsers: SolveContext['cacheMountUsers'] = new Map();
    const images: NonNullable<SolveContext['images']> = new Map();
    const inflight = multi ? new Map() : undefined;
    const solves: SolveContext[] = plans.map(({ target, plan, builtinArgs }) => ({
      options,
      dockerfile: plan.dockerfile,
      graph: plan.graph,
      store: store!,
      executor,
      snapshotter,
      diff,
      context,
      progress,
      globalArgs: plan.globalArgs,
      builtinArgs,
      stageResults: new Map(),
      steps: [],
      cacheMountUsers,
      images,
      inflight,
      signal: abort.signal,
      now: () => epoch ?? new Date().toISOString(),
      platform: target,
      hostPlatform: host,
      platformLabel: multi ? formatPlatform(target) : undefined,
      registry,
    }));
    const solve = solves[0]!;

    // BuildKit's lint rules, as warnings (`# check=error=true`: a failed build before any step runs)
    lintDockerfile(parsed.parsed, options, context.ignorePatterns?.() ?? [], progress, await baseImageEnvs(solve), solve.builtinArgs, new Set(plan.graph.order));

    // platforms concurrently, their stages under one --jobs limit
    const limit = pLimit(Math.max(1, options.jobs ?? availableParallelism()));
    const finals = await Promise.all(solves.map((s) => solveGraph(s, limit, (reason) => abort.abort(reason))));
    await reaping;
    reaping = undefined;

    const created = new Date().toISOString();
    const configs = finals.map((final) => {
      const config = imageConfig(final.config, options.labels);
      finalizeConfig(config, created, epoch);
      return config;
    });
    // the images' blobs, the steps' cache records and the checksum cache are independent writes:
    // all at once, every one settled before anything is tagged (or the store closed)
    const [written, records] = await Promise.allSettled([
      Promise.all(configs.map((c, i) => store!.putImage(c, finals[i]!.layers, options.annotations ? { annotations: options.annotations } : undefined))),
      Promise.all(solves.map((s) => settleWrites(s))),
      context.save().catch(() => undefined),
    ]);
    if (written.status === 'rejected') throw written.reason;
    if (records.status === 'rejected') throw records.reason;
    const platformImages = written.value;
    const image = platformImages[0]!;
    // several platforms: one OCI index over their images (an untagged blob until the outputs tag it)
    let index: { digest: Digest } | undefined;
    if (multi) {
      if (!store.putIndex) throw new BuildError('E_PLATFORM', 'this store cannot hold an image index (a multi-platform build needs one)');
      index = await store.putIndex(platformImages.map((img, i) => ({ manifestDigest: img.manifestDigest, platform: targets[i]! })));
    }
    const pushTo = registryTargets(options);
    if (pushTo.length) {
      if (!(store instanceof Store)) throw new BuildError('E_USAGE', 'pushing needs the on-disk store');
      // layers only the registry cache has are mounted from it, not downloaded
      const mountFrom = remote ? [...new Set([...remote.blobs.values()].map((b) => `${b.ep.registry}/${b.repo}`))] : [];
      for (const name of pushTo) {
        // an index pushes every platform's image by digest, then the index under the tag (as buildx)
        const r = await pushImage(store, index?.digest ?? image.manifestDigest, { target: name, client: registry(), mountFrom, onProgress: (e) => progress.emit(e) });
        progress.emit({ type: 'export', output: 'registry', dest: r.name, digest: r.digest });
      }
    }
    let localTags = options.tags ?? [];
    if (remote) {
      const rc = await import('./cache-io/registryCache.js');
      const local = remote.local ?? store;
      const allLayers = finals.flatMap((f) => f.layers);
      const missing = (await Promise.all(allLayers.map(async (l) => ((await local.hasBlob(l.digest)) ? undefined : l)))).filter((l) => l !== undefined);
      const localOutputs = (options.outputs ?? []).some((o) => o.type !== 'registry' && o.type !== 'image');
      if (missing.length > 0 && pushTo.length > 0 && !localOutputs) {
        // pushed, and only the registry holds some layers: as buildx --push, the image is not kept
        // here (downloading it only to tag it is what the registry cache saves)
        progress.info(`pushed; not tagged in the store: ${missing.length} of its layers are only in the registry (tsbuild pull ${pushTo[0]} fetches them)`);
        localTags = [];
      } else await rc.ensureLocalBlobs(store, allLayers);
      if (store instanceof Store) await rc.persistRemoteRecords(store, remote);
    }
    const steps = solves.flatMap((s) => s.steps);
    let result: BuildResult;
    if (index) {
      await writeIndexOutputs(store, index.digest, platformImages.map((img, i) => ({ platform: targets[i]!, image: img })), { tags: localTags, outputs: options.outputs ?? [], progress, signal: options.signal });
      result = { imageDigest: index.digest, configDigest: image.configDigest, image, config: image.config, steps, contextBytesRead: context.bytesRead(), platforms: platformImages.map((img, i) => ({ platform: formatPlatform(targets[i]!), image: img })) };
    } else {
      await writeOutputs(store, image, { tags: localTags, outputs: options.outputs ?? [], progress, signal: options.signal });
      result = { imageDigest: image.manifestDigest, configDigest: image.configDigest, image, config: image.config, steps, contextBytesRead: context.bytesRead() };
    }
    if (options.cacheTo?.length) {
      const { exportCache } = await import('./cache-io/exportCache.js');
      for (const c of options.cacheTo) {
        const dest = c.type === 'registry' ? c.ref : c.dest;
        try {
          if (c.type === 'registry') {
            if (!(store instanceof Store)) throw new BuildError('E_USAGE', '--cache-to type=registry needs the on-disk store');
            const { exportCacheToRegistry } = await import('./cache-io/registryCache.js');
            const r = await exportCacheToRegistry(store, registry(), { ref: c.ref, mode: c.mode, result, onProgress: (e) => progress.emit(e) });
            progress.emit({ type: 'export', output: 'cache', dest, digest: r.manifestDigest });
            continue;
          }
          const r = await exportCache(store, { dest: c.dest, mode: c.mode, result });
          progress.emit({ type: 'export', output: 'cache', dest: c.dest, digest: r.manifestDigest });
        } catch (err) {
          if (!c.ignoreError) throw err;
          progress.warning(`cache export to ${dest} failed: ${(err as Error).message}`);
        }
      }
    }
    return result;
  } catch (err) {
    if (options.signal?.aborted) throw cancelled(options.signal.reason, err);
    throw toTsbuildError(noSpaceError(err, storeRoot) ?? err);
  } finally {
    // the build failed before the reaper was awaited: it finishes first; its own error is shown, the build's thrown
    await reaping?.catch((err: unknown) => progress.warning(`removing what killed builds left: ${(err as Error).message}`));
    options.signal?.removeEventListener('abort', onAbort);
    if (!options.executor) {
      try {
        executorUsed?.dispose?.();
      } catch {
        // best effort
      }
    }
    registryClient?.close();
    await ownStore?.close().catch(() => undefined);
  }
}

/** Where `--push` and `-o type=registry[,name=…]` send the image (tags checked already). */
function registryTargets(options: BuildOptions): string[] {
  const out = new Set<string>();
  if (options.push) for (const t of options.tags ?? []) out.add(t);
  for (const o of options.outputs ?? []) if (o.type === 'registry') for (const n of o.names ?? options.tags ?? []) out.add(n);
  if ((options.push || (options.outputs ?? []).some((o) => o.type === 'registry')) && out.size === 0) throw new BuildError('E_USAGE', 'pushing needs a name: -t NAME or -o type=registry,name=NAME');
  return [...out];
}

/**
 * The Env of each stage's base image, by stage index, for lint's UndefinedVar: only the stages the
 * build runs (BuildKit resolves no other base), each for its own platform (FROM --platform, else the
 * build's). It is the FROM's own lookup (solve/images.ts lookupImage, memoized per build), done
 * before any step as BuildKit resolves base configs while converting: an image the store lacks is
 * pulled here, once, and its Env known to lint on a cold build too. A base that cannot be had is
 * unknown to lint, and its FROM fails with that same lookup's error (not asked for a second time).
 */
async function baseImageEnvs(solve: SolveContext): Promise<Map<number, readonly string[]>> {
  const { dockerfile } = solve;
  const globals = globalVars(solve.builtinArgs, solve.globalArgs);
  const envs = new Map<number, readonly string[]>();
  await Promise.all(solve.graph.order.map(async (index) => {
    const stage = dockerfile.stages[index]!;
    let ref: string, platform: Platform;
    try {
      const from = expandStep(stage.from, globals, dockerfile.directives.escape, undefined);
      if (!from.image || from.image === 'scratch') return;
      const named = namedContext(solve, from.image);
      if (!named && findStage(dockerfile.stages, from.image, index, 'FROM')) return; // lint follows its own stages
      if (named && named.type !== 'image') return;
      ref = named?.type === 'image' ? named.ref : from.image;
      platform = from.platform ? parsePlatform(from.platform, solve.hostPlatform) : solve.platform;
    } catch {
      return; // a FROM that does not expand, a bad platform: the solve reports it where it belongs
    }
    const location = { file: dockerfile.file, line: stage.from.range.start.line, get column() { return stage.from.range.start.column; }, endLine: stage.from.range.end.line };
    // unknown to lint when it cannot be had: the FROM then fails with this lookup's error
    const img = await lookupImageAhead(solve, ref, platform, location).catch(() => undefined);
    if (img) envs.set(index, img.config.config?.Env ?? []);
  }));
  return envs;
}

function lintDockerfile(parsed: ParsedDockerfile, options: BuildOptions, ignorePatterns: readonly string[], progress: Progress, bases: Map<number, readonly string[]>, builtins: ReadonlyMap<string, string>, stages: ReadonlySet<number>): void {
  let r;
  try {
    r = lint(parsed, { buildArgs: options.buildArgs, ignorePatterns, check: options.buildArgs?.BUILDKIT_DOCKERFILE_CHECK, baseEnv: (_image, stage) => bases.get(stage), builtins, stages });
  } catch (err) {
    // a malformed `# check=` fails the build, as in BuildKit; a fault of the linter itself must not
    if ((err as { code?: string }).code === 'E_CHECK_DIRECTIVE') throw err;
    progress.debug(`lint skipped: ${(err as Error).message}`);
    return;
  }
  for (const w of r.warnings) progress.lint(w.rule, w.message, { file: w.file, line: w.range.start.line, column: w.range.start.column }, w.url);
  if (r.failed) {
    const first = r.warnings[0]!;
    throw new BuildError('E_LINT', `lint violation found for rules: ${[...new Set(r.warnings.map((w) => w.rule))].join(', ')}`, {
      location: { file: first.file, line: first.range.start.line, column: first.range.start.column, endLine: first.range.end.line },
      data: { warnings: r.warnings.length, hint: 'fix the Dockerfile, or skip rules with # check=skip=Rule1,Rule2 (error=false makes them warnings)' },
    });
  }
}

/** The final config in the key order `docker build` writes, with --label applied. */
function imageConfig(c: ImageConfig, labels: Record<string, string> | undefined): ImageConfig {
  const cc = { ...c.config };
  if (labels && Object.keys(labels).length > 0) cc.Labels = { ...(cc.Labels ?? {}), ...labels };
  const order = ['User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal', 'Healthcheck', 'ArgsEscaped', 'OnBuild', 'Shell'] as const;
  const config: Record<string, unknown> = {};
  for (const k of order) if (k in cc && (cc[k] !== undefined)) config[k] = cc[k];
  for (const [k, v] of Object.entries(cc)) if (!(k in config) && v !== undefined) config[k] = v;
  if (Array.isArray(config.Labels)) delete config.Labels;
  const out: ImageConfig = {
    architecture: c.architecture,
    ...(c.author ? { author: c.author } : {}),
    config: config as ImageConfig['config'],
    created: c.created,
    history: c.history,
    os: c.os,
    rootfs: c.rootfs,
  } as ImageConfig;
  if (c.variant) out.variant = c.variant;
  return out;
}

/**
 * The error a cancelled build rejects with: E_CANCELLED whose `cause` is the signal's reason (a
 * `TimeoutError` from `AbortSignal.timeout`, whatever `controller.abort(reason)` was given), the
 * step that was running when it came in `data.step` and its instruction's location.
 */
function cancelled(reason: unknown, during: unknown): BuildError {
  const inner = during instanceof BuildError ? during : undefined;
  const why = reason instanceof Error ? reason.message : reason === undefined ? '' : String(reason);
  return new BuildError('E_CANCELLED', why ? `build cancelled: ${why}` : 'build cancelled', {
    cause: reason,
    location: inner?.location,
    data: { ...(typeof inner?.data?.step === 'string' ? { step: inner.data.step } : {}) },
  });
}
