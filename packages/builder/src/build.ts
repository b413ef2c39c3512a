/**
 * build(options): Dockerfile text ─parse─▶ stages ─stageGraph─▶ needed stages ─solve─▶ image
 * state (cache keys; layers only for steps that miss) ─▶ image record ─▶ tags and outputs.
 */
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import { openStore, type ImageConfig } from '@tsbuild/layerstore';
import { lint, platformArgs, ShellLex } from '@tsbuild/parser';
import { namedContext } from './solve/namedContexts.js';
import { lookupImage } from './solve/images.js';
import { BuildError } from './errors.js';
import { refuseMultiPlatformOutputs, writeIndexOutputs, writeOutputs } from './output/writeOutputs.js';
import { planBuild } from './plan/planBuild.js';
import { readDockerfile } from './plan/readDockerfile.js';
import { Progress } from './progress/progress.js';
import { defaultDiff, defaultExecutor, defaultSnapshotter } from './solve/defaults.js';
import { finalizeConfig } from './solve/finalizeConfig.js';
import { loadContextSource } from './solve/loadContextSource.js';
import { prefetchContextChecksums } from './solve/prefetch.js';
import { formatPlatform, hostPlatform, targetPlatforms } from './solve/resolveBase.js';
import { settleWrites, solveGraph } from './solve/solveGraph.js';
import type { SolveContext } from './solve/types.js';
import type { BuildOptions, BuildResult } from './types.js';
import type { Executor } from './exec/types.js';

export async function build(options: BuildOptions): Promise<BuildResult> {
  const progress = new Progress(options.onEvent);
  const abort = new AbortController();
  const onAbort = () => abort.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  // a store this build opened itself is closed at the end (its GC lease is dropped)
  let ownStore: { close(): Promise<void> } | undefined;
  // the executor, once a step needed one (disposed at the end: its scratch templates)
  let executorUsed: (Executor & { dispose?(): void }) | undefined;
  try {
    const source = await readDockerfile(options);
    const host = hostPlatform();
    const targets = targetPlatforms(options.platform, host);
    const multi = targets.length > 1;
    if (multi) refuseMultiPlatformOutputs(options.outputs ?? []);
    // one plan per platform: global ARGs and FROM may use TARGETARCH …
    const plans = targets.map((target) => {
      const builtinArgs = platformArgs(target, host);
      const plan = planBuild(source, { target: options.target, buildArgs: options.buildArgs, builtins: builtinArgs });
      builtinArgs.set('TARGETSTAGE', plan.dockerfile.stages[plan.graph.target]?.name ?? 'default');
      return { target, plan, builtinArgs };
    });
    let store = options.store;
    if (!store) {
      const opened = await openStore(options.root);
      ownStore = opened;
      store = opened;
    }
    const first = plans[0]!.plan;
    const context = await loadContextSource(options.context, { dockerfilePath: options.dockerfileText === undefined ? source.file : undefined, cacheFile: store.contextCacheFile(), tmpDir: store.tmpDir(), signal: abort.signal });
    prefetchContextChecksums(first.dockerfile, first.graph, context);
    if (options.cacheFrom?.length) {
      const { importCache } = await import('./cache-io/importCache.js');
      for (const c of options.cacheFrom) {
        const r = await importCache(store, { src: c.src });
        progress.info(`importing cache from ${c.src}: ${r.records} records`);
      }
    }
    const epoch = options.sourceDateEpoch !== undefined ? new Date(options.sourceDateEpoch * 1000).toISOString().replace('.000Z', 'Z') : undefined;
    const getExecutor = defaultExecutor(options, store.tmpDir(), (m) => progress.debug(m));
    const executor = async () => (executorUsed = await getExecutor());
    const snapshotter = defaultSnapshotter(options, store.tmpDir(), (m) => progress.debug(m));
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
    }));
    const solve = solves[0]!;

    // BuildKit's lint rules, as warnings (`# check=error=true`: a failed build before any step runs)
    lintDockerfile(source, options, context.ignorePatterns?.() ?? [], progress, await baseImageEnvs(solve, first.dockerfile.directives.escape));

    // platforms concurrently, their stages under one --jobs limit
    const limit = pLimit(Math.max(1, options.jobs ?? availableParallelism()));
    const finals = await Promise.all(solves.map((s) => solveGraph(s, limit, (reason) => abort.abort(reason))));

    const created = new Date().toISOString();
    const configs = finals.map((final) => {
      const config = imageConfig(final.config, options.labels);
      finalizeConfig(config, created, epoch);
      return config;
    });
    // the image's blobs, the steps' cache records and the checksum cache are independent writes:
    // all at once, every one settled before anything is tagged (or the store closed)
    const [written, records] = await Promise.allSettled([
      Promise.all(configs.map((c, i) => store!.putImage(c, finals[i]!.layers))),
      Promise.all(solves.map((s) => settleWrites(s))),
      context.save().catch(() => undefined),
    ]);
    if (written.status === 'rejected') throw written.reason;
    if (records.status === 'rejected') throw records.reason;
    const platformImages = written.value;
    const image = platformImages[0]!;
    const steps = solves.flatMap((s) => s.steps);
    let result: BuildResult;
    if (multi) {
      if (!store.putIndex) throw new BuildError('E_PLATFORM', 'this store cannot hold an image index (a multi-platform build needs one)');
      const index = await store.putIndex(platformImages.map((img, i) => ({ manifestDigest: img.manifestDigest, platform: targets[i]! })));
      await writeIndexOutputs(store, index.digest, platformImages.map((img, i) => ({ platform: targets[i]!, image: img })), { tags: options.tags ?? [], outputs: options.outputs ?? [], progress });
      result = { imageDigest: index.digest, configDigest: image.configDigest, image, config: image.config, steps, contextBytesRead: context.bytesRead(), platforms: platformImages.map((img, i) => ({ platform: formatPlatform(targets[i]!), image: img })) };
    } else {
      await writeOutputs(store, image, { tags: options.tags ?? [], outputs: options.outputs ?? [], progress });
      result = { imageDigest: image.manifestDigest, configDigest: image.configDigest, image, config: image.config, steps, contextBytesRead: context.bytesRead() };
    }
    if (options.cacheTo?.length) {
      const { exportCache } = await import('./cache-io/exportCache.js');
      for (const c of options.cacheTo) {
        try {
          const r = await exportCache(store, { dest: c.dest, mode: c.mode, result });
          progress.emit({ type: 'export', output: 'cache', dest: c.dest, digest: r.manifestDigest });
        } catch (err) {
          if (!c.ignoreError) throw err;
          progress.warning(`cache export to ${c.dest} failed: ${(err as Error).message}`);
        }
      }
    }
    return result;
  } catch (err) {
    if (options.signal?.aborted && !(err instanceof BuildError && err.code === 'E_CANCELLED')) {
      throw new BuildError('E_CANCELLED', 'build cancelled', { cause: err });
    }
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (!options.executor) {
      try {
        executorUsed?.dispose?.();
      } catch {
        // best effort
      }
    }
    await ownStore?.close().catch(() => undefined);
  }
}

/**
 * The Env of each base image the store has (lint's UndefinedVar needs what a base defines), read
 * from the store only: nothing is pulled for lint, and an image the store lacks is "unknown".
 */
async function baseImageEnvs(solve: SolveContext, escape: '\\' | '`'): Promise<Map<string, readonly string[]>> {
  const lex = new ShellLex(escape);
  const vars = { get: (k: string) => solve.globalArgs.get(k) ?? solve.builtinArgs.get(k) };
  const stageNames = new Set(solve.dockerfile.stages.map((s) => s.name).filter(Boolean));
  const refs = new Set<string>();
  for (const st of solve.dockerfile.stages) {
    try {
      const ref = lex.processWord(st.from.image, vars);
      if (ref && ref.toLowerCase() !== 'scratch' && !stageNames.has(ref.toLowerCase())) refs.add(ref);
    } catch {
      // the solve reports a FROM that does not expand
    }
  }
  const envs = new Map<string, readonly string[]>();
  await Promise.all([...refs].map(async (ref) => {
    try {
      const named = namedContext(solve, ref);
      const real = named?.type === 'image' ? named.ref : ref;
      // the solve's FROM finds it in lookupImage's map instead of reading it again (unless --pull asks the registry)
      const img = (solve.options as { pull?: boolean }).pull ? await solve.store.getImage(real, { platform: solve.platform }) : await lookupImage(solve, real, solve.platform);
      if (!img) return;
      envs.set(ref, img.config.config?.Env ?? []);
    } catch {
      // a reference the store cannot parse: the solve says so
    }
  }));
  return envs;
}

function lintDockerfile(source: { text: string; file: string }, options: BuildOptions, ignorePatterns: readonly string[], progress: Progress, bases: Map<string, readonly string[]>): void {
  const r = lint(source.text, { file: source.file, buildArgs: options.buildArgs, ignorePatterns, check: options.buildArgs?.BUILDKIT_DOCKERFILE_CHECK, baseEnv: (image) => bases.get(image) });
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
