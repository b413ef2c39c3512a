/** Shapes of ../shared/conformance/frontend-cases.json (see its README, section frontend-cases.json). */
export type ExportKind = 'local' | 'image' | 'local+image' | 'oci' | 'none';

export interface HistoryExpect {
  index?: number;
  offset?: number;
  createdByContains?: string;
  emptyLayer?: boolean;
  createdNonNull?: boolean;
}

export interface ImageExpect {
  osNonEmpty?: boolean;
  architectureNonEmpty?: boolean;
  workingDirNonEmpty?: boolean;
  rootfsType?: string;
  diffIDsCount?: number;
  historyCount?: number;
  history?: HistoryExpect[];
  newDiffIDsOverBase?: number;
  newHistoryOverBase?: number;
  historyFromBaseEnd?: HistoryExpect[];
}

export interface Expect {
  success: boolean;
  error?: string[];
  logContains?: string[];
  files?: Record<string, string>;
  filesContain?: Record<string, string | string[]>;
  filesNotContain?: Record<string, string | string[]>;
  absent?: string[];
  exists?: string[];
  dirs?: string[];
  sameAsBuild?: Record<string, number>;
  differentFromBuild?: Record<string, number>;
  config?: Record<string, unknown>;
  configLabelsInclude?: Record<string, string>;
  configEnvIncludes?: string[];
  configEnvHasPrefix?: string[];
  image?: ImageExpect;
  platforms?: Record<string, { config?: Record<string, unknown>; layers?: number }>;
}

export interface BuildSpec {
  dockerfile?: string;
  buildArgs?: Record<string, string>;
  target?: string | null;
  frontendAttrs?: Record<string, string>;
  context?: Record<string, string>;
  contextDirs?: string[];
  contextChanges?: Record<string, string>;
  contextRenames?: Record<string, string>;
  export?: ExportKind;
  expect: Expect;
}

export interface FrontendCase {
  name: string;
  source: { file: string; func: string };
  dockerfile: string;
  dockerfileName?: string;
  context: Record<string, string>;
  contextDirs?: string[];
  contextSymlinks?: Record<string, string>;
  contextModes?: Record<string, string>;
  buildArgs: Record<string, string>;
  target: string | null;
  frontendAttrs?: Record<string, string>;
  images: string[];
  export: ExportKind;
  setup?: Array<{ imageName: string; dockerfile: string }>;
  then?: BuildSpec[];
  needs: string[];
  notes?: string;
  expect: Expect;
}
