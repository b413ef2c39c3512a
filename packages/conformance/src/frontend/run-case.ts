/**
 * Runs one frontend scenario: a fresh store with the busybox base, the `setup` images, build #0
 * and every `then` build on the same store (same cache), each checked against its `expect`.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { BuildEvent, BuildOptions, OutputSpec } from '@tsbuild/builder';
import { formatPlatform, type ImageConfig, type LayerStore } from '@tsbuild/layerstore';
import type { CaseResult } from '../types.js';
import type { BuildSpec, ExportKind, FrontendCase } from './types.js';
import type { Engine } from './engine.js';
import { evaluate, type BuildOutcome } from './expect.js';
import { editContext, writeContext } from './context.js';
import { importBaseImage } from './base-image.js';

export const REGISTRY = 'localhost:5000';
const BUILD_TIMEOUT_MS = 180_000;

export interface RunCaseOptions {
  engine: Engine;
  corpusDir: string;
  /** parent of the per-scenario temp dirs (default /var/tmp) */
  workDir: string;
  keep?: boolean;
}

/** A reason to skip, when the scenario needs something tsbuild leaves out (none since multi-platform builds, issue 14). */
export function skipReason(_c: FrontendCase): string | undefined {
  return undefined;
}

/** The platforms of an OCI archive's image index, in its order (what BuildKit's oci exporter wrote is read back the same way). */
function readOciPlatforms(archive: string): NonNullable<BuildOutcome['platforms']> {
  const dir = mkdtempSync(`${archive}.x-`);
  try {
    execFileSync('tar', ['-xf', archive, '-C', dir]);
    const blob = (d: string) => JSON.parse(readFileSync(join(dir, 'blobs/sha256', d.replace(/^sha256:/, '')), 'utf8')) as Record<string, unknown>;
    const top = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { mediaType: string; digest: string }[] };
    const out: NonNullable<BuildOutcome['platforms']> = [];
    for (const d of top.manifests) {
      const entries = d.mediaType.includes('index') ? (blob(d.digest).manifests as { digest: string; platform?: { os: string; architecture: string; variant?: string } }[]) : [{ digest: d.digest }];
      for (const e of entries) {
        const m = blob(e.digest) as { config: { digest: string }; layers: unknown[] };
        const config = blob(m.config.digest) as unknown as ImageConfig;
        const p = e.platform ?? { os: config.os, architecture: config.architecture, variant: config.variant };
        out.push({ platform: formatPlatform(p), config, layers: m.layers.length });
      }
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface BuildState {
  buildArgs: Record<string, string>;
  target: string | null;
  frontendAttrs: Record<string, string>;
  dockerfile: string;
  exportKind: ExportKind;
}

function noCacheOf(attrs: Record<string, string>): BuildOptions['noCache'] {
  if (!('no-cache' in attrs)) return undefined;
  const v = attrs['no-cache']!;
  return v === '' ? true : v.split(',').map((s) => s.trim()).filter(Boolean);
}

function labelsOf(attrs: Record<string, string>): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (k.startsWith('label:')) out[k.slice(6)] = v;
  return Object.keys(out).length ? out : undefined;
}

const fill = (s: string) => s.replaceAll('{{REGISTRY}}', REGISTRY);

async function runBuild(engine: Engine, store: LayerStore, opts: {
  context: string; state: BuildState; exportDir: string; tag: string; dockerfileName?: string;
}): Promise<BuildOutcome> {
  const { state } = opts;
  const outputs: OutputSpec[] = [];
  const wantsLocal = state.exportKind === 'local' || state.exportKind === 'local+image';
  const wantsImage = state.exportKind === 'image' || state.exportKind === 'local+image';
  if (wantsLocal) outputs.push({ type: 'local', dest: opts.exportDir });
  const ociArchive = state.exportKind === 'oci' ? `${opts.exportDir}.oci.tar` : undefined;
  if (ociArchive) outputs.push({ type: 'oci', dest: ociArchive });
  outputs.push({ type: 'image' });
  const filename = state.frontendAttrs.filename;
  const platform = state.frontendAttrs.platform;
  let log = '';
  const onEvent = (e: BuildEvent) => {
    if (e.type === 'step-log') log += e.data;
    else if (e.type === 'step-error') log += `ERROR ${e.name}: ${e.error}\n`;
    else if (e.type === 'warning' || e.type === 'info') log += `${e.message}\n`;
    else if (e.type === 'step-start') log += `#${e.stepId} ${e.name}\n`;
  };
  const options: BuildOptions = {
    context: opts.context,
    ...(filename ? { dockerfile: join(opts.context, filename) } : {}),
    tags: [opts.tag],
    buildArgs: state.buildArgs,
    ...(state.target ? { target: state.target } : {}),
    noCache: noCacheOf(state.frontendAttrs),
    labels: labelsOf(state.frontendAttrs),
    ...(platform ? { platform } : {}),
    outputs,
    network: 'none',
    root: store.root,
    store,
    jobs: 2,
    signal: AbortSignal.timeout(BUILD_TIMEOUT_MS),
    onEvent,
  };
  try {
    const result = await engine.build(options);
    let config: ImageConfig | undefined;
    if (wantsImage) config = (await store.getImage(opts.tag))?.config ?? undefined;
    return { ok: true, log, exportDir: wantsLocal ? opts.exportDir : undefined, config: config ?? (wantsImage ? undefined : result.config), ...(ociArchive ? { platforms: readOciPlatforms(ociArchive) } : {}) };
  } catch (err) {
    const e = err as Error & { code?: string };
    return { ok: false, log, error: `${e.code ? `[${e.code}] ` : ''}${e.message}` };
  }
}

export async function runCase(c: FrontendCase, o: RunCaseOptions): Promise<CaseResult> {
  const skip = skipReason(c);
  if (skip) return { id: c.name, status: 'skipped', reason: skip };
  mkdirSync(o.workDir, { recursive: true });
  const dir = mkdtempSync(join(o.workDir, `tsbuild-frontend-${c.name.slice(0, 40)}-`));
  const fails: string[] = [];
  try {
    const store = await o.engine.openStore(join(dir, 'root'));
    const base = await importBaseImage(store, { corpusDir: o.corpusDir });
    const baseConfig = base.config;

    // setup images: built into the same store, tagged under their names
    for (const [i, s] of (c.setup ?? []).entries()) {
      const ctx = join(dir, `setup-${i}`);
      writeContext(ctx, { dockerfile: fill(s.dockerfile), files: {} });
      const out = await runBuild(o.engine, store, {
        context: ctx, exportDir: join(dir, `setup-${i}-out`), tag: fill(s.imageName),
        state: { buildArgs: {}, target: null, frontendAttrs: {}, dockerfile: s.dockerfile, exportKind: 'none' },
      });
      if (!out.ok) return { id: c.name, status: 'failed', reason: `setup image ${fill(s.imageName)} failed: ${out.error}` };
    }

    const ctx = join(dir, 'context');
    const modes = c.contextModes ?? {};
    writeContext(ctx, {
      dockerfile: fill(c.dockerfile), dockerfileName: c.dockerfileName, files: c.context, dirs: c.contextDirs,
      symlinks: c.contextSymlinks, modes,
    });
    const state: BuildState = {
      buildArgs: { ...c.buildArgs }, target: c.target, frontendAttrs: { ...(c.frontendAttrs ?? {}) },
      dockerfile: c.dockerfile, exportKind: c.export,
    };
    const builds: BuildSpec[] = [{ expect: c.expect }, ...(c.then ?? [])];
    const outcomes: BuildOutcome[] = [];
    for (const [i, spec] of builds.entries()) {
      if (i > 0) {
        if (spec.buildArgs !== undefined) state.buildArgs = { ...spec.buildArgs };
        if (spec.target !== undefined) state.target = spec.target;
        if (spec.frontendAttrs !== undefined) state.frontendAttrs = { ...spec.frontendAttrs };
        if (spec.dockerfile !== undefined) state.dockerfile = spec.dockerfile;
        state.exportKind = spec.export ?? c.export;
        if (spec.context !== undefined) {
          writeContext(ctx, { dockerfile: fill(state.dockerfile), dockerfileName: c.dockerfileName, files: spec.context, dirs: spec.contextDirs, modes });
        } else if (spec.dockerfile !== undefined) {
          editContext(ctx, { [c.dockerfileName ?? 'Dockerfile']: fill(state.dockerfile) }, {}, modes);
        }
        editContext(ctx, spec.contextChanges, spec.contextRenames, modes);
      }
      const out = await runBuild(o.engine, store, {
        context: ctx, state, exportDir: join(dir, `out-${i}`), tag: `conformance/${c.name}:${i}`,
      });
      outcomes.push(out);
      const f = evaluate(spec.expect, out, { previous: outcomes, baseConfig });
      for (const x of f) fails.push(builds.length > 1 ? `build #${i}: ${x}` : x);
      if (f.length && out.ok !== spec.expect.success) break;
    }
  } catch (err) {
    fails.push(`harness error: ${(err as Error).stack ?? err}`);
  } finally {
    if (!o.keep) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch (err) {
        fails.push(`could not remove the scenario's temp dir ${dir} (leftover mount?): ${(err as Error).message}`);
      }
    }
  }
  return fails.length ? { id: c.name, status: 'failed', reason: fails.join('; ') } : { id: c.name, status: 'passed' };
}
