/**
 * Evaluates a scenario's `expect` block against what one build produced. Returns the failed
 * conditions as readable strings (empty = all conditions hold).
 */
import { isDeepStrictEqual } from 'node:util';
import type { ImageConfig } from '@tsbuild/layerstore';
import type { Expect, HistoryExpect } from './types.js';
import { existsInRoot, isDirInRoot, readInRoot } from './fs-read.js';

export interface BuildOutcome {
  ok: boolean;
  /** error message (with the code) when the build failed */
  error?: string;
  /** progress output: step logs, warnings, errors */
  log: string;
  /** local export of the final stage */
  exportDir?: string;
  /** image config read back from the store */
  config?: ImageConfig;
  /** `-o type=oci` of a multi-platform build: each index entry, in the index's order */
  platforms?: { platform: string; config: ImageConfig; layers: number }[];
}

export interface ExpectContext {
  /** outcomes of the earlier builds of the same scenario (index = build number) */
  previous: BuildOutcome[];
  /** config of the base image the scenario's final stage starts from (busybox) */
  baseConfig?: ImageConfig;
}

const show = (v: unknown): string => JSON.stringify(v) ?? 'undefined';
const asList = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

/** `null` in an expectation means unset or empty. */
function configFieldEquals(actual: unknown, expected: unknown): boolean {
  if (expected === null) {
    return actual === undefined || actual === null || (Array.isArray(actual) && actual.length === 0) ||
      (typeof actual === 'object' && actual !== null && Object.keys(actual).length === 0) || actual === '';
  }
  return isDeepStrictEqual(actual, expected);
}

function checkHistory(fails: string[], config: ImageConfig, h: HistoryExpect, index: number, label: string): void {
  const entry = config.history?.[index];
  if (!entry) {
    fails.push(`${label}: no history entry at index ${index} (history has ${config.history?.length ?? 0})`);
    return;
  }
  if (h.createdByContains !== undefined && !(entry.created_by ?? '').includes(h.createdByContains)) {
    fails.push(`${label}: created_by ${show(entry.created_by)} does not contain ${show(h.createdByContains)}`);
  }
  if (h.emptyLayer !== undefined && !!entry.empty_layer !== h.emptyLayer) {
    fails.push(`${label}: empty_layer is ${!!entry.empty_layer}, expected ${h.emptyLayer} (created_by ${show(entry.created_by)})`);
  }
  if (h.createdNonNull && !entry.created) fails.push(`${label}: created is empty`);
}

/** The OCI index's entries: the platforms expected, in that order, each with its config fields and layer count. */
function checkPlatforms(fails: string[], want: NonNullable<Expect['platforms']>, got: BuildOutcome['platforms']): void {
  if (!got) {
    fails.push('no OCI image index to check platforms in');
    return;
  }
  const order = got.map((p) => p.platform);
  if (!isDeepStrictEqual(order, Object.keys(want))) fails.push(`index platforms ${show(order)} != expected ${show(Object.keys(want))}`);
  for (const [p, w] of Object.entries(want)) {
    const g = got.find((x) => x.platform === p);
    if (!g) continue;
    const cc = (g.config.config ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(w.config ?? {})) if (!configFieldEquals(cc[k], v)) fails.push(`${p}: config.${k}: ${show(cc[k])} != expected ${show(v)}`);
    if (w.layers !== undefined && g.layers !== w.layers) fails.push(`${p}: ${g.layers} layers, expected ${w.layers}`);
  }
}

export function evaluate(expect: Expect, out: BuildOutcome, ctx: ExpectContext): string[] {
  const fails: string[] = [];
  if (out.ok !== expect.success) {
    fails.push(expect.success ? `build failed: ${out.error ?? '(no error message)'}` : 'build succeeded, expected it to fail');
    return fails;
  }
  if (!out.ok) {
    for (const s of expect.error ?? []) if (!(out.error ?? '').includes(s)) fails.push(`error ${show(out.error)} does not contain ${show(s)}`);
    for (const s of expect.logContains ?? []) {
      if (!(out.log + '\n' + (out.error ?? '')).includes(s)) fails.push(`output does not contain ${show(s)}`);
    }
    return fails;
  }
  for (const s of expect.logContains ?? []) if (!out.log.includes(s)) fails.push(`output does not contain ${show(s)}`);

  const needsExport = expect.files || expect.filesContain || expect.filesNotContain || expect.absent || expect.exists || expect.dirs ||
    expect.sameAsBuild || expect.differentFromBuild;
  if (needsExport && !out.exportDir) fails.push('no local export to check files in');
  const root = out.exportDir;
  if (root) {
    for (const [p, want] of Object.entries(expect.files ?? {})) {
      const got = readInRoot(root, p);
      if (got === undefined) fails.push(`file ${p}: missing`);
      else if (got.toString('utf8') !== want) fails.push(`file ${p}: ${show(got.toString('utf8'))} != expected ${show(want)}`);
    }
    for (const [p, subs] of Object.entries(expect.filesContain ?? {})) {
      const got = readInRoot(root, p)?.toString('utf8');
      for (const s of asList(subs)) if (got === undefined || !got.includes(s)) fails.push(`file ${p}: ${show(got)} does not contain ${show(s)}`);
    }
    for (const [p, subs] of Object.entries(expect.filesNotContain ?? {})) {
      const got = readInRoot(root, p)?.toString('utf8');
      if (got === undefined) fails.push(`file ${p}: missing`);
      else for (const s of asList(subs)) if (got.includes(s)) fails.push(`file ${p}: ${show(got)} contains ${show(s)}`);
    }
    for (const p of expect.absent ?? []) if (existsInRoot(root, p)) fails.push(`${p}: exists, expected absent`);
    for (const p of expect.exists ?? []) if (!existsInRoot(root, p)) fails.push(`${p}: missing, expected to exist`);
    for (const p of expect.dirs ?? []) if (!isDirInRoot(root, p)) fails.push(`${p}: not a directory`);
    for (const [p, idx] of Object.entries(expect.sameAsBuild ?? {})) {
      const prevRoot = ctx.previous[idx]?.exportDir;
      const a = prevRoot ? readInRoot(prevRoot, p) : undefined;
      const b = readInRoot(root, p);
      if (a === undefined || b === undefined) fails.push(`${p}: missing in build #${idx} or this build`);
      else if (!a.equals(b)) fails.push(`${p}: ${show(b.toString())} differs from build #${idx}'s ${show(a.toString())}, expected same`);
    }
    for (const [p, idx] of Object.entries(expect.differentFromBuild ?? {})) {
      const prevRoot = ctx.previous[idx]?.exportDir;
      const a = prevRoot ? readInRoot(prevRoot, p) : undefined;
      const b = readInRoot(root, p);
      if (a === undefined || b === undefined) fails.push(`${p}: missing in build #${idx} or this build`);
      else if (a.equals(b)) fails.push(`${p}: same as build #${idx} (${show(b.toString())}), expected different`);
    }
  }

  if (expect.platforms) checkPlatforms(fails, expect.platforms, out.platforms);

  const needsConfig = expect.config || expect.configLabelsInclude || expect.configEnvIncludes || expect.configEnvHasPrefix || expect.image;
  const cfg = out.config;
  if (needsConfig && !cfg) {
    fails.push('no image config to check');
    return fails;
  }
  if (!cfg) return fails;
  const cc = (cfg.config ?? {}) as Record<string, unknown>;
  for (const [k, want] of Object.entries(expect.config ?? {})) {
    if (!configFieldEquals(cc[k], want)) fails.push(`config.${k}: ${show(cc[k])} != expected ${show(want)}`);
  }
  const labels = (cc.Labels ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(expect.configLabelsInclude ?? {})) {
    if (labels[k] !== v) fails.push(`config.Labels[${show(k)}]: ${show(labels[k])} != expected ${show(v)}`);
  }
  const env = (cc.Env ?? []) as string[];
  for (const e of expect.configEnvIncludes ?? []) if (!env.includes(e)) fails.push(`config.Env ${show(env)} lacks ${show(e)}`);
  for (const e of expect.configEnvHasPrefix ?? []) if (!env.some((x) => x.startsWith(e))) fails.push(`config.Env ${show(env)} has nothing starting with ${show(e)}`);

  const im = expect.image;
  if (im) {
    const diffIDs = cfg.rootfs?.diff_ids ?? [];
    const history = cfg.history ?? [];
    if (im.osNonEmpty && !cfg.os) fails.push('os is empty');
    if (im.architectureNonEmpty && !cfg.architecture) fails.push('architecture is empty');
    if (im.workingDirNonEmpty && !cc.WorkingDir) fails.push(`config.WorkingDir is empty`);
    if (im.rootfsType !== undefined && cfg.rootfs?.type !== im.rootfsType) fails.push(`rootfs.type ${show(cfg.rootfs?.type)} != ${show(im.rootfsType)}`);
    if (im.diffIDsCount !== undefined && diffIDs.length !== im.diffIDsCount) fails.push(`rootfs.diff_ids has ${diffIDs.length} entries, expected ${im.diffIDsCount}`);
    if (im.historyCount !== undefined && history.length !== im.historyCount) {
      fails.push(`history has ${history.length} entries, expected ${im.historyCount}: ${show(history.map((h) => h.created_by))}`);
    }
    for (const h of im.history ?? []) checkHistory(fails, cfg, h, h.index ?? 0, `history[${h.index}]`);
    const base = ctx.baseConfig;
    if (im.newDiffIDsOverBase !== undefined || im.newHistoryOverBase !== undefined || im.historyFromBaseEnd) {
      if (!base) fails.push('base image config unknown');
      else {
        const bd = base.rootfs?.diff_ids?.length ?? 0;
        const bh = base.history?.length ?? 0;
        if (im.newDiffIDsOverBase !== undefined && diffIDs.length - bd !== im.newDiffIDsOverBase) {
          fails.push(`${diffIDs.length - bd} diff_ids over the base, expected ${im.newDiffIDsOverBase}`);
        }
        if (im.newHistoryOverBase !== undefined && history.length - bh !== im.newHistoryOverBase) {
          fails.push(`${history.length - bh} history entries over the base, expected ${im.newHistoryOverBase}: ${show(history.slice(bh).map((h) => h.created_by))}`);
        }
        for (const h of im.historyFromBaseEnd ?? []) checkHistory(fails, cfg, h, bh + (h.offset ?? 0), `history[base+${h.offset}]`);
      }
    }
  }
  return fails;
}
