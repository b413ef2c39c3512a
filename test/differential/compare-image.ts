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
 *  - HEALTHCHECK history: v0.8 printed `%q` of the config pointer (`&{["CMD-SHELL" "true"] "5s" "0s"
 *    "0s" '\x03'}`), current BuildKit `%+v` of the struct, StartInterval included (`{Test:[CMD-SHELL
 *    true] Interval:5s Timeout:0s StartPeriod:0s StartInterval:0s Retries:3}`); v0.8's is rewritten
 *    into current BuildKit's (StartInterval 0s: v0.8 has no --start-interval).
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
  const hc = /^HEALTHCHECK &\{\[(.*)\] "([^"]*)" "([^"]*)" "([^"]*)" '(.*)'\}$/.exec(out);
  if (hc) out = `HEALTHCHECK {Test:[${goUnquoteList(hc[1]!).join(' ')}] Interval:${hc[2]} Timeout:${hc[3]} StartPeriod:${hc[4]} StartInterval:0s Retries:${goRuneValue(hc[5]!)}}`;
  out = out.replace(/^(COPY|ADD)((?: --(?:parents|chown=\S*|chmod=\S*))+) /, '$1 ');
  return out;
}

/** The strings of a Go `%q` list body: `"a" "b c"` → ['a', 'b c'] (\xHH read as \u00HH). */
function goUnquoteList(s: string): string[] {
  return [...s.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]!.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')}"`) as string);
}

/** The number a Go `%q` of a rune spells: `\x03` → 3, `A` → 65. */
function goRuneValue(s: string): number {
  const esc: Record<string, number> = { '\\a': 7, '\\b': 8, '\\f': 12, '\\n': 10, '\\r': 13, '\\t': 9, '\\v': 11, "\\'": 39, '\\\\': 92 };
  if (esc[s] !== undefined) return esc[s]!;
  const hex = /^\\(?:x|u|U)([0-9a-fA-F]+)$/.exec(s);
  return hex ? parseInt(hex[1]!, 16) : s.codePointAt(0)!;
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
