/**
 * `lint(text)`: a Dockerfile checked against BuildKit's lint rules (see rules.ts), statically: no
 * base image is fetched, so variables a base image's Env would define are taken from `baseEnv`
 * when the caller knows them (else only PATH, which every image has). Pure: no I/O.
 *
 * Where BuildKit reports each rule is kept: the instruction's range (for MultipleInstructionsDisallowed
 * the earlier instruction, the one that will be ignored). `# check=` options select and escalate.
 */
import { parseAst } from '../ast/parse-ast.js';
import type { AstNode } from '../ast/node.js';
import type { ParsedDockerfile } from '../parse.js';
import { cleanPath } from '../dockerignore/clean.js';
import { PatternMatcher } from '../dockerignore/matcher.js';
import { ShellLex } from '../expand/lex.js';
import { toInstruction } from '../instructions/to-instruction.js';
import { searchSuggest } from '../suggest.js';
import type { Instruction, SourceRange, VarLookup } from '../types.js';
import { parseCheckOptions, type LintConfig } from './config.js';
import { RULES, type RuleName } from './rules.js';

/** One finding of a Dockerfile check (BuildKit's build checks). */
export interface LintWarning {
  /** the check's name, e.g. `FromAsCasing` */
  rule: RuleName;
  /** what is wrong here */
  message: string;
  /** what the rule is about */
  description: string;
  /** the rule's documentation */
  url: string;
  /** the Dockerfile */
  file: string;
  /** where in it (1-based lines and columns) */
  range: SourceRange;
}

/** Options of {@link lint} (`check` in the main entry). */
export interface LintOptions {
  /** file name used in findings and errors (default `Dockerfile`) */
  file?: string | undefined;
  /** .dockerignore patterns of the context (CopyIgnoredFile) */
  ignorePatterns?: readonly string[] | undefined;
  /** --build-arg names and values (they define ARGs without defaults) */
  buildArgs?: Readonly<Record<string, string>> | undefined;
  /**
   * The Env of a base image (UndefinedVar), given the image as FROM names it (global ARGs expanded)
   * and the index of the stage it starts (the same image may be another platform's in another
   * stage). Without this option every image is taken to define only PATH; with it, an image it
   * returns undefined for is unknown, and UndefinedVar stays silent in that stage (and stages built
   * on it) rather than guess.
   */
  baseEnv?: ((image: string, stage: number) => readonly string[] | undefined) | undefined;
  /**
   * The stages a build runs (the target's and those it needs), as indices. BuildKit checks the
   * instructions inside a stage while it dispatches them, and a build dispatches only these: the
   * rules about instructions (UndefinedVar, JSONArgsRecommended, CopyIgnoredFile, …) are then
   * checked in these stages only; the rules about the file, FROM lines and stage names, and
   * MaintainerDeprecated (a parse rule), in all. Default: every stage, as `docker build --check`
   * without `--target`.
   */
  stages?: ReadonlySet<number> | undefined;
  /** options over the `# check=` directive's (e.g. from BUILDKIT_DOCKERFILE_CHECK) */
  check?: string | undefined;
  /** values of the automatic platform ARGs FROM may use (default: those of linux/amd64) */
  builtins?: ReadonlyMap<string, string> | undefined;
}

/** What {@link lint} found. */
export interface LintResult {
  /** the findings, in file order */
  warnings: LintWarning[];
  /** the `# check=` settings in effect (skipped rules, error=true) */
  config: LintConfig;
  /** `error=true` and at least one warning: the build must fail */
  failed: boolean;
}

const RESERVED_STAGE_NAMES = new Set(['context', 'scratch']);
const BUILTIN_ARGS = ['TARGETPLATFORM', 'TARGETOS', 'TARGETARCH', 'TARGETVARIANT', 'BUILDPLATFORM', 'BUILDOS', 'BUILDARCH', 'BUILDVARIANT', 'TARGETSTAGE'];
const SECRET = /(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)/i;
const SECRET_ALLOW = /(?:_|^)(?:public|file|version)(?:_|$)/i;
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const DEFAULT_BUILTINS: ReadonlyMap<string, string> = new Map([
  ['TARGETPLATFORM', 'linux/amd64'], ['TARGETOS', 'linux'], ['TARGETARCH', 'amd64'], ['TARGETVARIANT', ''],
  ['BUILDPLATFORM', 'linux/amd64'], ['BUILDOS', 'linux'], ['BUILDARCH', 'amd64'], ['BUILDVARIANT', ''],
]);

/** A base image name: not empty, no blank, no dangling `:`/`@`, no upper case in the repository path. */
function validImageName(ref: string): boolean {
  if (ref === '' || /\s/.test(ref) || /[:@]$/.test(ref) || /^[:@/]/.test(ref)) return false;
  const path = ref.split('@')[0]!.replace(/:[^/]*$/, '');
  const repo = path.includes('/') && /[.:]|^localhost$/.test(path.split('/')[0]!) ? path.slice(path.indexOf('/') + 1) : path;
  return repo === repo.toLowerCase();
}

class Env implements VarLookup {
  readonly vars = new Map<string, string>();
  get(name: string): string | undefined { return this.vars.get(name); }
}

interface StageState {
  name?: string;
  env: Env;
  /** the base image's Env is not known: no UndefinedVar here */
  envUnknown: boolean;
  args: Set<string>;
  shellSet: boolean;
  workdirSet: boolean;
  once: Map<string, SourceRange>;
}

/**
 * Check a Dockerfile as BuildKit's build checks do (`tsbuild check`, `docker build --check`):
 * JSONArgsRecommended, StageNameCasing, FromAsCasing, UndefinedVar, SecretsUsedInArgOrEnv … with
 * `# check=skip=…;error=true` honoured. Pure: no I/O.
 * @throws {@link ParseError} when the text does not parse (E_PARSE …) or the check directive is invalid (E_CHECK_DIRECTIVE)
 */
export function lint(input: string | ParsedDockerfile, opts: LintOptions = {}): LintResult {
  const file = opts.file ?? (typeof input === 'string' ? 'Dockerfile' : input.dockerfile.file);
  // a build has parsed the text already (parseDocument): its nodes and instructions are read again
  const ast = typeof input === 'string' ? parseAst(input, { file }) : input.ast;
  const parsedInstructions = typeof input === 'string' ? undefined : input.instructions;
  const directiveRange: SourceRange = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
  const config = parseCheckOptions(ast.directives.check, { file, range: directiveRange });
  if (opts.check !== undefined) {
    const extra = parseCheckOptions(opts.check);
    config.skipAll ||= extra.skipAll;
    for (const r of extra.skip) config.skip.add(r);
    config.error ||= extra.error;
  }
  const warnings: LintWarning[] = [];
  // `# check=skip=…` in the comments right above a stage's FROM (the stage) or an instruction (it)
  let local: LintConfig | undefined;
  let stageLocal: LintConfig | undefined;
  const warn = (rule: RuleName, message: string, range: SourceRange) => {
    if (config.skipAll || config.skip.has(rule)) return;
    for (const c of [stageLocal, local]) if (c && (c.skipAll || c.skip.has(rule))) return;
    warnings.push({ rule, message, description: RULES[rule].description, url: RULES[rule].url, file, range });
  };
  const escape = ast.directives.escape;
  const lex = new ShellLex(escape);
  const buildArgs = opts.buildArgs ?? {};
  const ignore = ignoreMatcher(opts.ignorePatterns);

  // reported at the instruction the empty line is inside, as BuildKit does
  for (const w of ast.warnings) {
    const node = ast.children.find((n) => n.range.start.line <= w.line && w.line <= n.range.end.line);
    warn('NoEmptyContinuation', RULES.NoEmptyContinuation.format(), node?.range ?? { start: { line: w.line, column: 1 }, end: { line: w.line, column: 1 } });
  }

  // ConsistentInstructionCasing: the majority casing of self-consistent keywords
  let lower = 0;
  let upper = 0;
  for (const n of ast.children) {
    if (n.keyword === n.keyword.toLowerCase()) lower++;
    else if (n.keyword === n.keyword.toUpperCase()) upper++;
  }
  const majorityLower = lower > upper;
  for (const n of ast.children) {
    const bad = majorityLower ? n.keyword !== n.keyword.toLowerCase() : n.keyword !== n.keyword.toUpperCase();
    if (bad) warn('ConsistentInstructionCasing', RULES.ConsistentInstructionCasing.format(n.keyword, majorityLower ? 'lowercase' : 'uppercase'), n.range);
  }

  const globalArgs = new Env();
  /** global ARGs with their defaults only (InvalidDefaultArgInFrom ignores --build-arg) */
  const defaultsEnv = new Env();
  const builtins = opts.builtins ?? DEFAULT_BUILTINS;
  for (const [k, v] of builtins) defaultsEnv.vars.set(k, v);
  const globalNames = new Set<string>();
  const stageNames = new Set<string>();
  const finished = new Map<string, StageState>();
  let stage: StageState | undefined;
  let stageIndex = -1;

  for (const [i, node] of ast.children.entries()) {
    let ins: Instruction;
    try {
      ins = parsedInstructions?.[i] ?? toInstruction(node, file);
    } catch {
      continue; // a parse error is the build's to report; lint goes on with the rest
    }
    if (ins.kind === 'FROM') {
      if (stage?.name) finished.set(stage.name, stage);
      stageLocal = commentConfig(node.comments);
      local = undefined;
      stageIndex++;
      stage = fromStage(node, ins.image, ins.platform, ins.stageName, stageIndex);
      continue;
    }
    local = commentConfig(node.comments);
    if (!stage) {
      if (ins.kind === 'ARG') {
        // BuildKit's buildMetaArgs: global ARGs are expanded but neither SecretsUsedInArgOrEnv nor
        // UndefinedVar looks at them (those run when a stage declares the ARG)
        for (const a of ins.args) {
          globalNames.add(a.name);
          const v = Object.hasOwn(buildArgs, a.name) ? buildArgs[a.name] : a.value !== undefined ? expand(a.value, globalArgs, node, new Set(), false) : undefined;
          if (v !== undefined) globalArgs.vars.set(a.name, v);
          if (a.value !== undefined) {
            try { defaultsEnv.vars.set(a.name, lex.processWord(a.value, defaultsEnv)); } catch { /* reported above */ }
          }
        }
      }
      continue;
    }
    if (opts.stages && !opts.stages.has(stageIndex)) {
      // a stage the build does not run: only the parse rule (BuildKit's instructions/parse.go)
      if (ins.kind === 'MAINTAINER') warn('MaintainerDeprecated', RULES.MaintainerDeprecated.format(), node.range);
      continue;
    }
    instruction(stage, node, ins);
  }
  local = undefined;
  const failed = config.error && warnings.length > 0;
  return { warnings, config, failed };

  function secretCheck(instr: 'ARG' | 'ENV', key: string, range: SourceRange): void {
    if (SECRET.test(key) && !SECRET_ALLOW.test(key)) warn('SecretsUsedInArgOrEnv', RULES.SecretsUsedInArgOrEnv.format(instr, key), range);
  }

  /** expand a word, reporting variables neither set nor declared as ARG (UndefinedVar) */
  function expand(word: string, env: VarLookup, node: AstNode, declared: ReadonlySet<string>, report = true): string {
    let r: { result: string; unmatched: Set<string> };
    try {
      r = lex.processWordWithMatches(word, env);
    } catch {
      return word;
    }
    if (report && !(stage?.envUnknown)) {
      for (const v of r.unmatched) {
        if (declared.has(v) || Object.hasOwn(buildArgs, v)) continue;
        const keys = env instanceof Env ? [...env.vars.keys()] : [];
        warn('UndefinedVar', RULES.UndefinedVar.format(v, searchSuggest(v, keys, true)), node.range);
      }
    }
    return r.result;
  }

  /** RedundantTargetPlatform and FromPlatformFlagConstDisallowed, as BuildKit words and decides them */
  function platformChecks(word: string, r: { result: string; matched: Set<string>; unmatched: Set<string> }, stageName: string | undefined, node: AstNode): void {
    if (r.matched.size === 1 && r.unmatched.size === 0 && r.matched.has('TARGETPLATFORM') && r.result === builtins.get('TARGETPLATFORM')) {
      warn('RedundantTargetPlatform', RULES.RedundantTargetPlatform.format(word), node.range);
    }
    if (r.matched.size === 0 && r.unmatched.size === 0) {
      const [os, arch] = r.result.split('/');
      if (!os || !arch) return; // not a platform: the build says so
      if (stageName && (stageName.includes(os) || stageName.includes(arch))) return;
      warn('FromPlatformFlagConstDisallowed', RULES.FromPlatformFlagConstDisallowed.format(r.result), node.range);
    }
  }

  function fromStage(node: AstNode, image: string, platform: string | undefined, name: string | undefined, index: number): StageState {
    const args = node.args.flatMap((a) => ('value' in a ? [a.value] : []));
    if (args.length === 3) {
      if (args[2] !== args[2]!.toLowerCase()) warn('StageNameCasing', RULES.StageNameCasing.format(args[2]!), node.range);
      const kw = node.keyword;
      const kwLower = kw === kw.toLowerCase();
      const kwUpper = kw === kw.toUpperCase();
      if ((kwLower && args[1] !== args[1]!.toLowerCase()) || (!kwLower && kwUpper && args[1] !== args[1]!.toUpperCase())) warn('FromAsCasing', RULES.FromAsCasing.format(kw, args[1]!), node.range);
    }
    if (name !== undefined) {
      if (RESERVED_STAGE_NAMES.has(name)) warn('ReservedStageName', RULES.ReservedStageName.format(name), node.range);
      if (stageNames.has(name)) warn('DuplicateStageName', RULES.DuplicateStageName.format(name), node.range);
      stageNames.add(name);
    }
    // UndefinedArgInFrom: a variable in FROM (image or --platform) that no global ARG declares
    const keys = [...globalNames, ...BUILTIN_ARGS];
    const fromEnv = new Env();
    for (const [k, v] of builtins) fromEnv.vars.set(k, v);
    for (const [k, v] of globalArgs.vars) fromEnv.vars.set(k, v);
    let base = image;
    for (const [i, word] of [image, platform].entries()) {
      if (word === undefined) continue;
      try {
        const r = lex.processWordWithMatches(word, fromEnv);
        if (i === 0) base = r.result;
        for (const v of r.unmatched) if (!keys.includes(v)) warn('UndefinedArgInFrom', RULES.UndefinedArgInFrom.format(v, searchSuggest(v, keys, true)), node.range);
        if (i === 1) platformChecks(word, r, name, node);
      } catch {
        // an expansion error is the build's to report
      }
    }
    // InvalidDefaultArgInFrom: with the global ARGs' defaults alone (no --build-arg), the base must still name an image
    try {
      const dflt = lex.processWord(image, defaultsEnv);
      if (!validImageName(dflt)) warn('InvalidDefaultArgInFrom', RULES.InvalidDefaultArgInFrom.format(image), node.range);
    } catch {
      // the build reports it
    }
    const st: StageState = { name, env: new Env(), envUnknown: false, args: new Set(), shellSet: false, workdirSet: false, once: new Map() };
    const parent = finished.get(base.toLowerCase());
    if (parent) {
      for (const [k, v] of parent.env.vars) st.env.vars.set(k, v);
      st.shellSet = parent.shellSet;
      st.workdirSet = parent.workdirSet;
      st.envUnknown = parent.envUnknown;
    } else if (base !== 'scratch') {
      const env = opts.baseEnv ? opts.baseEnv(base, index) : [`PATH=${DEFAULT_PATH}`];
      if (env === undefined) st.envUnknown = true;
      for (const kv of env ?? []) {
        const eq = kv.indexOf('=');
        st.env.vars.set(eq < 0 ? kv : kv.slice(0, eq), eq < 0 ? '' : kv.slice(eq + 1));
      }
    }
    // BuildKit gives every stage a PATH when its base has none
    if (!st.env.vars.has('PATH')) st.env.vars.set('PATH', DEFAULT_PATH);
    return st;
  }

  /** UndefinedVar covers the words BuildKit expands (ADD COPY ENV EXPOSE LABEL STOPSIGNAL USER VOLUME WORKDIR), not RUN's shell */
  function instruction(st: StageState, node: AstNode, ins: Instruction): void {
    const words = (list: string[]) => list.map((w) => expand(w, st.env, node, st.args));
    switch (ins.kind) {
      case 'MAINTAINER':
        warn('MaintainerDeprecated', RULES.MaintainerDeprecated.format(), node.range);
        break;
      case 'CMD':
      case 'ENTRYPOINT':
      case 'HEALTHCHECK': {
        const prev = st.once.get(ins.kind);
        if (prev) warn('MultipleInstructionsDisallowed', RULES.MultipleInstructionsDisallowed.format(node.keyword), prev);
        st.once.set(ins.kind, node.range);
        if (ins.kind !== 'HEALTHCHECK' && ins.cmd.form === 'shell' && !st.shellSet) warn('JSONArgsRecommended', RULES.JSONArgsRecommended.format(node.keyword), node.range);
        break;
      }
      case 'SHELL':
        st.shellSet = true;
        break;
      case 'ENV': {
        if (isLegacyKeyValue(node)) warn('LegacyKeyValueFormat', RULES.LegacyKeyValueFormat.format(node.keyword), node.range);
        const values: [string, string][] = ins.env.map((kv) => [kv.key, expand(kv.value, st.env, node, st.args)]);
        for (const [k, v] of values) {
          secretCheck('ENV', k, node.range);
          st.env.vars.set(k, v);
        }
        break;
      }
      case 'LABEL':
        if (isLegacyKeyValue(node)) warn('LegacyKeyValueFormat', RULES.LegacyKeyValueFormat.format(node.keyword), node.range);
        for (const kv of ins.labels) { expand(kv.key, st.env, node, st.args); expand(kv.value, st.env, node, st.args); }
        break;
      case 'ARG':
        for (const a of ins.args) {
          secretCheck('ARG', a.name, node.range);
          st.args.add(a.name);
          const v = Object.hasOwn(buildArgs, a.name) ? buildArgs[a.name] : a.value !== undefined ? expand(a.value, st.env, node, st.args) : globalArgs.get(a.name);
          if (v !== undefined) st.env.vars.set(a.name, v);
        }
        break;
      case 'WORKDIR': {
        const [dir] = words([ins.path]);
        if (!st.workdirSet && !dir!.startsWith('/')) warn('WorkdirRelativePath', RULES.WorkdirRelativePath.format(dir!), node.range);
        st.workdirSet = true;
        break;
      }
      case 'EXPOSE':
        for (const raw of ins.ports) {
          const port = expand(raw, st.env, node, st.args);
          for (const p of port.split(/\s+/).filter(Boolean)) {
            const slash = p.lastIndexOf('/');
            const proto = slash < 0 ? '' : p.slice(slash + 1);
            if (proto !== proto.toLowerCase()) warn('ExposeProtoCasing', RULES.ExposeProtoCasing.format(p), node.range);
            const spec = slash < 0 ? p : p.slice(0, slash);
            if (spec.includes(':')) warn('ExposeInvalidFormat', RULES.ExposeInvalidFormat.format(p), node.range);
          }
        }
        break;
      case 'COPY':
      case 'ADD': {
        const sources = words(ins.sources);
        words([ins.dest]);
        if (ignore && ins.from === undefined && ins.heredocs.length === 0) {
          for (const src of sources) {
            if (/^[a-z][a-z0-9+.-]*:\/\//i.test(src) || src.startsWith('git@')) continue;
            const clean = cleanRel(src);
            if ((clean === '.' || clean === '') && !ignore.rootIgnored) continue;
            if (ignore.matcher.matches(clean === '' ? '.' : clean)) warn('CopyIgnoredFile', RULES.CopyIgnoredFile.format(ins.kind === 'ADD' ? 'Add' : 'Copy', clean || '.'), node.range);
          }
        }
        break;
      }
      case 'USER':
        words([ins.user]);
        break;
      case 'VOLUME':
        words(ins.volumes);
        break;
      case 'STOPSIGNAL':
        words([ins.signal]);
        break;
      default:
        break;
    }
  }
}

/** BuildKit's WithMergedConfigFromComments: the first `check=…` comment (value up to a space); a bad one is ignored. */
function commentConfig(comments: readonly string[]): LintConfig | undefined {
  for (const c of comments) {
    const m = /^\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/.exec(c);
    if (!m || m[1]!.toLowerCase() !== 'check') continue;
    try {
      return parseCheckOptions(m[2]!.split(' ')[0]);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** ENV/LABEL written `KEY value` (the AST marks the pair with an empty separator). */
function isLegacyKeyValue(node: AstNode): boolean {
  const args = node.args.flatMap((a) => ('value' in a ? [a.value] : []));
  for (let i = 2; i < args.length; i += 3) if (args[i] === '') return true;
  return false;
}

/** BuildKit's check applies only without exclusion patterns (too hard to decide statically). */
function ignoreMatcher(patterns: readonly string[] | undefined): { matcher: PatternMatcher; rootIgnored: boolean } | undefined {
  if (!patterns || patterns.length === 0) return undefined;
  let matcher: PatternMatcher;
  try {
    matcher = new PatternMatcher(patterns);
  } catch {
    return undefined;
  }
  if (matcher.hasExclusions) return undefined;
  const rootIgnored = patterns.some((p) => ['*', '**', '**/*'].includes(p.trim()));
  return { matcher, rootIgnored };
}

/** path.Clean of a context path, made relative (`/a/../b/` → `b`): the root clamps `..`. */
function cleanRel(p: string): string {
  return cleanPath(`/${p}`).slice(1);
}
