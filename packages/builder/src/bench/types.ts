/** Shapes of `tsbuild bench` / `benchmark()`: cold, warm and incremental build scenarios, optionally against docker. */
export type ScenarioName = 'cold' | 'warm' | 'incremental';
export type BuilderName = 'tsbuild' | 'docker';

export interface BenchOptions {
  /** build context directory (it is modified by the incremental scenario: `touch` files are rewritten) */
  context: string;
  /** Dockerfile path (default <context>/Dockerfile) */
  dockerfile?: string;
  /** timed runs per scenario (default 3) */
  runs?: number;
  /** context-relative paths rewritten with new content before each incremental run (default: a file the last COPY reads) */
  touch?: string[];
  /** also run every scenario through `docker build` (BuildKit) when a Docker engine answers */
  compareDocker?: boolean;
  /** store root for tsbuild; never wiped: cold runs use --no-cache there (default: a fresh temporary store per cold run, filled by prepareStore) */
  root?: string;
  /** prepare a fresh store before a cold run (e.g. load the base image); called with the store root */
  prepareStore?: (root: string) => Promise<void>;
  buildArgs?: Record<string, string>;
  /** extra arguments for the tsbuild CLI (e.g. ['--jobs', '1']) */
  tsbuildArgs?: string[];
  /** the command that starts tsbuild (default: this Node binary + this package's bin/tsbuild.js) */
  tsbuildCommand?: string[];
  /** docker CLI path (default /usr/bin/docker, which has BuildKit built in) */
  dockerPath?: string;
  /** measure peak RSS with /usr/bin/time -v where present */
  measureRss?: boolean;
  onProgress?: (message: string) => void;
}

export interface RunSample {
  wallMs: number;
  stepsTotal: number;
  stepsCached: number;
  /** bytes read from the build context (tsbuild only, from its metadata) */
  contextBytesRead?: number;
  /** bytes added to the store's blobs (tsbuild only) */
  bytesWritten?: number;
  peakRssKb?: number;
}

export interface ScenarioResult {
  scenario: ScenarioName;
  builder: BuilderName;
  samples: RunSample[];
  medianMs: number;
  minMs: number;
  maxMs: number;
  stepsTotal: number;
  stepsCached: number;
  hitRatio: number;
  contextBytesRead?: number;
  bytesWritten?: number;
  peakRssKb?: number;
}

export interface BenchReport {
  context: string;
  runs: number;
  /** median wall time of `node -e 0` on this machine, measured in the same invocation */
  nodeStartupMs: number;
  /** the same without NODE_EXTRA_CA_CERTS, when that is set (Node parses it at start; tsbuild defers it) */
  nodeStartupNoExtraCaMs?: number;
  results: ScenarioResult[];
  /** tsbuild median / docker median per scenario, when docker ran */
  ratios: Partial<Record<ScenarioName, number>>;
  dockerSkipped?: string;
}
