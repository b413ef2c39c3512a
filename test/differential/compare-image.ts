/**
 * Image-level comparison for the differential test: the config fields a Dockerfile controls and the
 * history entries the build added on top of the base image.
 */
import { isDeepStrictEqual } from 'node:util';
import type { HistoryEntry, ImageConfig } from '@tsbuild/layerstore';

export const CONFIG_FIELDS = [
  'Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'User', 'Labels', 'ExposedPorts', 'Volumes', 'StopSignal', 'Healthcheck', 'Shell', 'OnBuild',
] as const;

/** Unset, null, '' and empty list/map are the same thing in an image config. */
function normValue(v: unknown): unknown {
  if (v === undefined || v === null || v === '') return null;
  if (Array.isArray(v) && v.length === 0) return null;
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0) return null;
  return v;
}

/**
 * Known differences between docker 20.10's built-in BuildKit (v0.8) and current BuildKit, which
 * tsbuild follows (the conformance corpus asserts the current forms). Applied to both sides.
 *  - EXPOSE history: v0.8 prints the Go map `EXPOSE map[80/tcp:{} 53/udp:{}]`, current BuildKit the
 *    sorted list `EXPOSE [53/udp 80/tcp]` (frontend-cases.json `exported-history`).
 *  - HEALTHCHECK history: current BuildKit's struct has StartInterval, printed as a 4th duration;
 *    v0.8 prints three durations. The 4th duration is dropped.
 *  - COPY/ADD history: current BuildKit writes ` --parents`, ` --chown=…`, ` --chmod=…` after the
 *    command (dockerfile2llb/convert_copy.go dispatchCopy), v0.8 none of them. They are dropped.
 * Entries a fixture pins to current BuildKit's text (fixture.json currentBuildKit.history) are
 * compared exactly, without these normalisations.
 */
export function normalizeCreatedBy(s: string | undefined): string {
  let out = s ?? '';
  const m = /^EXPOSE map\[(.*)\]$/.exec(out);
  if (m) {
    const ports = m[1]!.split(' ').filter(Boolean).map((p) => p.replace(/:\{\}$/, '')).sort();
    out = `EXPOSE [${ports.join(' ')}]`;
  }
  out = out.replace(/^(HEALTHCHECK &\{\[.*\] "[^"]*" "[^"]*" "[^"]*") "[^"]*"( '.*'\})$/, '$1$2');
  out = out.replace(/^(COPY|ADD)((?: --(?:parents|chown=\S*|chmod=\S*))+) /, '$1 ');
  return out;
}

export interface HistoryView { created_by: string; empty_layer: boolean; comment: string }

/** `exact`: indexes (counted from `from`) whose created_by is compared as written. */
export function historyView(h: HistoryEntry[] | undefined, from: number, exact: ReadonlySet<number> = new Set()): HistoryView[] {
  return (h ?? []).slice(from).map((e, i) => ({ created_by: exact.has(i) ? e.created_by ?? '' : normalizeCreatedBy(e.created_by), empty_layer: !!e.empty_layer, comment: e.comment ?? '' }));
}

export interface ImageSide { config: ImageConfig; baseHistoryLength: number; baseLayers: number; layers: number }

export function compareImages(docker: ImageSide, ts: ImageSide, opts: { skipHistory?: boolean; exactHistory?: ReadonlySet<number> } = {}): string[] {
  const diffs: string[] = [];
  const dc = docker.config.config as unknown as Record<string, unknown>;
  const tc = (ts.config.config ?? {}) as unknown as Record<string, unknown>;
  for (const f of CONFIG_FIELDS) {
    const a = normValue(dc[f]);
    const b = normValue(tc[f]);
    if (!isDeepStrictEqual(a, b)) diffs.push(`config.${f}:\n    docker:  ${JSON.stringify(a)}\n    tsbuild: ${JSON.stringify(b)}`);
  }
  const newLayersDocker = docker.layers - docker.baseLayers;
  const newLayersTs = ts.layers - ts.baseLayers;
  if (newLayersDocker !== newLayersTs) diffs.push(`layers added over the base: docker ${newLayersDocker}, tsbuild ${newLayersTs}`);
  if (opts.skipHistory) return diffs;
  const dh = historyView(docker.config.history, docker.baseHistoryLength, opts.exactHistory);
  const th = historyView(ts.config.history, ts.baseHistoryLength, opts.exactHistory);
  const n = Math.max(dh.length, th.length);
  for (let i = 0; i < n; i++) {
    if (!isDeepStrictEqual(dh[i], th[i])) {
      diffs.push(`history[base+${i}]:\n    docker:  ${JSON.stringify(dh[i])}\n    tsbuild: ${JSON.stringify(th[i])}`);
    }
  }
  // layers vs non-empty history entries must agree on each side (OCI image spec)
  const nonEmpty = (ts.config.history ?? []).filter((e) => !e.empty_layer).length;
  if (ts.config.history && nonEmpty !== ts.layers) diffs.push(`tsbuild: ${nonEmpty} non-empty history entries but ${ts.layers} layers`);
  if ((ts.config.rootfs?.diff_ids?.length ?? 0) !== ts.layers) diffs.push(`tsbuild: rootfs.diff_ids has ${ts.config.rootfs?.diff_ids?.length} entries but the manifest ${ts.layers} layers`);
  return diffs;
}
