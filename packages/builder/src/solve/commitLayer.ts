/**
 * The one place a step's filesystem change happens: key → cache record (hit: take its layer, touch
 * nothing) → miss: unpack parents, mount, run the step, diff the upperdir into a layer, record it.
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageConfig, LayerRef, LayerTar } from '@tsbuild/layerstore';
import type { Mounted } from '../exec/types.js';
import { BuildError } from '../errors.js';
import { addHistory } from '../dispatch/history.js';
import { unmount } from '../snapshot/overlay.js';
import { cacheKey, type KeyInput } from './cacheKey.js';
import { explainMiss, indexKey, type StepInputs } from './missReason.js';
import type { StepContext } from './types.js';

/** see BuildOptions.compressionLevel */
const LAYER_GZIP_LEVEL = 1;

export interface LayerStep {
  /** key material except `parent` (added here) */
  key: Omit<KeyInput, 'parent'>;
  /** named inputs for miss explanations, in the order they are reported */
  inputs: StepInputs;
  /** history `created_by` */
  createdBy: string;
  /** make the change inside the mounted rootfs */
  apply(mounted: Mounted): Promise<void>;
  /**
   * make the change AND produce its layer tar in one pass (e.g. a COPY into a new directory writes
   * the upperdir and the tar from the same reads); the tar ends only once every change is in the
   * upperdir, and a failure destroys it. undefined (nothing changed yet): apply() + a diff instead
   */
  applyToLayer?(mounted: Mounted, opts: { sourceDateEpoch?: number }): Promise<LayerTar | undefined>;
  /** build the layer on an empty rootfs instead of the parent (COPY --link: BuildKit's independent layer) */
  independent?: boolean;
  /** on a miss, started alongside unpacking the parents (e.g. pick the executor); awaited by nobody */
  warm?(): unknown;
}

export interface CommitOutcome { cached: boolean; key: string; missReason?: string; layer: LayerRef }

export async function commitLayer(ctx: StepContext, step: LayerStep): Promise<CommitOutcome> {
  const { solve, state } = ctx;
  const key = cacheKey({ parent: state.fsKey, ...step.key });
  const position = indexKey(state.fsKey, `${state.stage.index}/${ctx.step.index}`);

  if (!state.noCache) {
    const rec = await solve.store.getCacheRecord(key);
    const top = rec?.layers[rec.layers.length - 1];
    if (rec && top && (await solve.store.hasBlob(top.digest))) {
      advance(ctx, key, rec.layers, rec.createdAt, step.createdBy);
      state.lastStep = { cached: true };
      return { cached: true, key, layer: top };
    }
  }

  // another platform's solve is running this very step (same key: same parent, same inputs)
  const running = state.noCache ? undefined : solve.inflight?.get(key);
  if (running) {
    const r = await running;
    advance(ctx, key, r.layers, r.createdAt, step.createdBy);
    state.lastStep = { cached: true };
    return { cached: true, key, layer: r.layers[r.layers.length - 1]! };
  }
  let announce: ((r: { layers: LayerRef[]; createdAt: string } | Error) => void) | undefined;
  if (solve.inflight && !state.noCache) {
    const inflight = solve.inflight;
    const p = new Promise<{ layers: LayerRef[]; createdAt: string }>((resolve, reject) => {
      announce = (r) => {
        if (r instanceof Error) {
          inflight.delete(key);
          reject(r);
        } else resolve(r);
      };
    });
    p.catch(() => undefined);
    inflight.set(key, p);
  }
  try {
    return await runStep(ctx, step, key, position, announce);
  } catch (err) {
    announce?.(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
}

async function runStep(ctx: StepContext, step: LayerStep, key: string, position: string, announce?: (r: { layers: LayerRef[]; createdAt: string }) => void): Promise<CommitOutcome> {
  const { solve, state } = ctx;
  const missReason = state.noCache ? 'cache disabled (--no-cache)' : state.parentMissed ? 'previous step changed' : await explainMiss(solve.store, position, step.inputs);
  if (ctx.step.id) solve.progress.miss(ctx.step.id, missReason);
  solve.signal?.throwIfAborted();
  // the snapshotter probe (first miss of the build) and the step's own preparations overlap the unpack
  const snapshotterReady = solve.snapshotter();
  snapshotterReady.catch(() => undefined);
  void Promise.resolve().then(() => step.warm?.()).catch(() => undefined);
  const lowerdirs = step.independent ? [] : await solve.store.ensureSnapshots(state.layers, { signal: solve.signal });
  const scratchDir = mkdtempSync(join(solve.store.tmpDir(), 'step-'));
  let layer: LayerRef;
  let mounted: Mounted | undefined;
  try {
    const snapshotter = await snapshotterReady;
    mounted = await snapshotter.prepare(lowerdirs, { scratchDir });
    const tarOpts = { sourceDateEpoch: solve.options.rewriteTimestamp ? solve.options.sourceDateEpoch : undefined };
    let out = step.independent ? undefined : await step.applyToLayer?.(mounted, tarOpts);
    if (!out) {
      await step.apply(mounted);
      solve.signal?.throwIfAborted();
      const diff = await solve.diff();
      out = { tar: diff(mounted, lowerdirs, tarOpts) };
    }
    layer = await solve.store.writeLayer(out.tar, { compressionLevel: solve.options.compressionLevel ?? LAYER_GZIP_LEVEL, releaseChunk: out.releaseChunk });
    if (canAdopt(ctx, step, mounted)) await adopt(ctx, mounted, [...state.layers, layer]);
  } catch (err) {
    await mounted?.release().catch(() => undefined);
    await rm(scratchDir, { recursive: true, force: true }).catch(() => undefined);
    if (solve.signal?.aborted && !(err instanceof BuildError && err.code === 'E_CANCELLED')) throw new BuildError('E_CANCELLED', 'build cancelled', { cause: err });
    throw err;
  }
  // Unmount now (no mount outlives its step); removing the scratch dir (many thread-pool round
  // trips; a whole rootfs for the copying snapshotter) need not hold up the next step.
  const done = mounted;
  try {
    await done.detach?.();
  } finally {
    track(solve, done.release().then(() => rm(scratchDir, { recursive: true, force: true })));
  }

  const createdAt = new Date().toISOString();
  const layers = [...state.layers, layer];
  announce?.({ layers, createdAt });
  advance(ctx, key, layers, createdAt, step.createdBy);
  state.parentMissed = true;
  state.lastStep = { cached: false, missReason };
  // Nothing in this build reads these records back before it ends (each fsyncs a file and its
  // directory, which takes long when the disk is busy), so the next step need not wait:
  // solveGraph awaits them before the build reports success.
  const config = snapshotConfig(state.config);
  track(solve, Promise.all([
    solve.store.putCacheRecord({ key, layers, config, createdAt }),
    solve.store.putCacheRecord({ key: position, layers: [], config, createdAt, inputs: step.inputs }),
  ]));
  return { cached: false, key, missReason, layer };
}

/** Work no later step waits for; solveGraph settles it (and reports its failure) before the build ends. */
function track(solve: StepContext['solve'], work: Promise<unknown>): void {
  const p = work.then(() => undefined);
  p.catch(() => undefined);
  (solve.pendingWrites ??= []).push(p);
}

/**
 * The layer tar is a faithful image of the upperdir (the executor's mount stubs are already gone,
 * mtimes unclamped) when the step ran on its real parents through overlayfs: then the upperdir IS
 * the new layer's snapshot in overlay form, and the next step need not unpack the blob again.
 * Not for --rewrite-timestamp (the tar's mtimes differ) nor an independent (--link) layer: built
 * over an empty lowerdir, its new directories are marked opaque and would hide the parents'.
 */
function canAdopt(ctx: StepContext, step: LayerStep, mounted: Mounted): boolean {
  const { solve } = ctx;
  return mounted.overlay && !step.independent && !solve.options.rewriteTimestamp && typeof solve.store.adoptSnapshot === 'function';
}

/** Unmount first (the upperdir must be quiescent), then hand the upperdir to the store; on any failure the snapshot is simply unpacked later. */
async function adopt(ctx: StepContext, mounted: Mounted, layers: LayerRef[]): Promise<void> {
  try {
    await (mounted.detach ? mounted.detach() : unmount(mounted.root));
    await ctx.solve.store.adoptSnapshot!(layers, mounted.upperdir);
  } catch {
    // not adopted: ensureSnapshots extracts the blob when a later step needs it
  }
}

function advance(ctx: StepContext, key: string, layers: LayerRef[], createdAt: string, createdBy: string): void {
  const { state } = ctx;
  state.layers = layers;
  state.fsKey = key;
  state.config.rootfs = { type: 'layers', diff_ids: layers.map((l) => l.diffID) };
  addHistory(ctx, createdBy, true, createdAt);
}

function snapshotConfig(c: ImageConfig): ImageConfig {
  return JSON.parse(JSON.stringify(c)) as ImageConfig;
}
