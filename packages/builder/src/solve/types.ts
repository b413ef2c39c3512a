/**
 * Shapes the solver hands between its parts. A stage is solved step by step: each dispatcher
 * takes the `StageState` after the previous step and leaves the state after its own step.
 * Layers are never materialised unless a step misses the cache (see solve/commitLayer.ts).
 */
import type { Dockerfile, Instruction, Stage, StageGraph } from '@tsbuild/parser';
import type { ImageConfig, ImageRecord, LayerRef, LayerStore, RegistryClient } from '@tsbuild/layerstore';
import type { DiffFn, Executor, Snapshotter } from '../exec/types.js';
import type { BuildOptions, StepRecord } from '../types.js';
import type { StageVars } from './vars.js';
import type { Platform } from './resolveBase.js';
import type { EmulationState } from '../exec/emulation.js';
import type { Progress } from '../progress/progress.js';
import type { BuildContextSource } from './contextSource.js';

/** The image state of a stage between steps. */
export interface StageState {
  stage: Stage;
  /** `[name n/m]` label used in step names */
  label: string;
  config: ImageConfig;
  layers: LayerRef[];
  /** cache key of the filesystem state (chains RUN/COPY/ADD/WORKDIR only) */
  fsKey: string;
  /** CMD given in this stage (ENTRYPOINT then keeps it) */
  cmdSet: boolean;
  vars: StageVars;
  /** true while any earlier step of this stage missed the cache (for miss explanations) */
  parentMissed: boolean;
  /** true when no cache may be used for this stage (--no-cache / --no-cache-filter) */
  noCache: boolean;
  /** the platform the stage's steps run as (FROM --platform, else the build's target) */
  platform: Platform;
  /** outcome of the current step's layer commit (unset for metadata-only steps) */
  lastStep?: { cached: boolean; missReason?: string };
  /** where each name sits in `config.config.Env` (dispatch/env.ts keeps it; rebuilt when stale) */
  envSlots?: EnvSlots;
}

/** Position of each name in an Env array, for the array (and length) it was built from. */
export interface EnvSlots { env: string[]; length: number; at: Map<string, number> }

/** A finished stage, as later stages (FROM <stage>, COPY --from, --mount from) see it. */
export interface StageResult {
  index: number;
  config: ImageConfig;
  layers: LayerRef[];
  fsKey: string;
  /** the stage's variables at its end: a stage built FROM it starts with this environment */
  vars?: StageVars;
  platform?: Platform;
}

/** Everything shared by all stages of one build. */
export interface SolveContext {
  options: BuildOptions;
  dockerfile: Dockerfile;
  graph: StageGraph;
  store: LayerStore;
  executor: () => Promise<Executor>;
  snapshotter: () => Promise<Snapshotter>;
  diff: () => Promise<DiffFn>;
  context: BuildContextSource;
  progress: Progress;
  /** global ARG values (build-arg overrides applied) */
  globalArgs: Map<string, string | undefined>;
  /** automatic ARGs: TARGETPLATFORM/OS/ARCH/VARIANT, BUILD*, TARGETSTAGE */
  builtinArgs: Map<string, string>;
  /** schedule a stage not in the graph's order (e.g. named by an inherited ONBUILD trigger) */
  scheduleStage?: (index: number) => Promise<StageResult>;
  /** results by stage index, as promises so stages can wait for each other */
  stageResults: Map<number, Promise<StageResult>>;
  steps: StepRecord[];
  /** images looked up by reference in this build (solve/images.ts): each resolved once, as BuildKit does */
  images?: Map<string, Promise<ImageRecord | undefined>>;
  /** store writes no step waits for (cache records), awaited by solveGraph before the build ends */
  pendingWrites?: Promise<void>[];
  /** cache mount dirs in use by running steps (sharing=locked waits, private takes a fresh dir) */
  cacheMountUsers: Map<string, { done: Promise<void> }>;
  signal?: AbortSignal;
  /** `created` for new history entries and images */
  now(): string;
  /** the target platform of this solve (one per platform of a multi-platform build) */
  platform: Platform;
  /** the machine's own platform (BUILDPLATFORM) */
  hostPlatform: Platform;
  /** set when several platforms are built: shown before each step's stage label */
  platformLabel?: string;
  /** binfmt_misc handlers looked at in this build, by architecture (exec/emulation.ts) */
  emulationChecked?: Map<string, EmulationState>;
  /**
   * misses running now by cache key, shared by the solves of one multi-platform build: the same
   * step reached by two platforms (a FROM --platform=$BUILDPLATFORM stage) runs once, the other waits
   */
  inflight?: Map<string, Promise<{ layers: LayerRef[]; createdAt: string }>>;
  /** this build's registry client (made on first use: tokens and sockets shared by its pulls) */
  registry?: () => RegistryClient;
}

/** What one dispatcher gets. `instr` is already expanded; `raw` is as written. */
export interface StepContext<I extends Instruction = Instruction> {
  solve: SolveContext;
  state: StageState;
  instr: I;
  raw: I;
  step: { id: string; name: string; stage: number; index: number; total: number };
  location: { file: string; line: number; column: number; endLine?: number };
}

export type Dispatcher<I extends Instruction = Instruction> = (ctx: StepContext<I>) => Promise<void> | void;
