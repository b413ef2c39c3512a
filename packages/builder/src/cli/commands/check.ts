/**
 * tsbuild check [-f FILE] [--build-arg K=V]… [CONTEXT] — the Dockerfile against the lint rules
 * (@tsbuild/parser's lint), without building; also `tsbuild build --check` / `--call check`.
 * Each warning: rule, message, where, a code frame, the rule's documentation. Exit 1 when there
 * are warnings (as `docker build --check`), 0 when clean.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lint, type LintWarning } from '@tsbuild/parser';
import { platformArgs } from '../../solve/vars.js';
import { hostPlatform } from '../../solve/resolveBase.js';
import { BuildError } from '../../errors.js';
import { readDockerfile } from '../../plan/readDockerfile.js';
import { findIgnoreFile } from '../../context/loadContext.js';
import { readIgnoreLines } from '../../context/ignoreMatcher.js';
import { codeFrame, registerSource, renderError } from '../errors.js';
import { parseArgs, out } from './_store-args.js';

const USAGE = `Usage: tsbuild check [-f FILE] [--build-arg K=V]... [CONTEXT]

Check a Dockerfile against the lint rules (as 'docker build --check'), without building.
CONTEXT (default .) is where the Dockerfile and .dockerignore are looked up.

Rules: ConsistentInstructionCasing CopyIgnoredFile DuplicateStageName ExposeInvalidFormat
ExposeProtoCasing FromAsCasing FromPlatformFlagConstDisallowed InvalidDefaultArgInFrom
JSONArgsRecommended LegacyKeyValueFormat MaintainerDeprecated MultipleInstructionsDisallowed
NoEmptyContinuation RedundantTargetPlatform ReservedStageName SecretsUsedInArgOrEnv
StageNameCasing UndefinedArgInFrom UndefinedVar WorkdirRelativePath

Skip rules or make them errors with a directive on the first line:
  # check=skip=JSONArgsRecommended,StageNameCasing;error=true

Options:
  -f, --file FILE        Dockerfile (default CONTEXT/Dockerfile; '-' reads stdin)
      --build-arg K=V    build argument (an ARG given this way is defined)
      --json             print the warnings as JSON
      --root DIR         the store whose images tell UndefinedVar what a base defines
                         (default $TSBUILD_ROOT, or the default store when it exists)
`;

export interface CheckRequest { context?: string; dockerfile?: string; text?: string; buildArgs?: Record<string, string>; json?: boolean; debug?: boolean; root?: string }

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { file: { short: 'f', value: true }, 'build-arg': { value: true, repeat: true }, json: { value: false }, debug: { value: false } });
  if (args.help) return void out(USAGE), 0;
  if (args.positionals.length > 1) throw new BuildError('E_USAGE', `check takes at most one CONTEXT, got ${args.positionals.length}`);
  const buildArgs: Record<string, string> = {};
  for (const kv of (args.flags['build-arg'] as string[] | undefined) ?? []) {
    const eq = kv.indexOf('=');
    if (eq < 0) { const v = process.env[kv]; if (v !== undefined) buildArgs[kv] = v; } else buildArgs[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const file = typeof args.flags.file === 'string' ? args.flags.file : undefined;
  return runCheck({
    context: args.positionals[0],
    dockerfile: file === '-' ? undefined : file,
    text: file === '-' ? readFileSync(0, 'utf8') : undefined,
    buildArgs,
    json: args.flags.json === true,
    debug: args.flags.debug === true,
    root: typeof args.flags.root === 'string' ? args.flags.root : undefined,
  });
}

export async function runCheck(req: CheckRequest): Promise<number> {
  const context = req.context ?? '.';
  // the build's own readers: the same file found, the same guards (a FIFO or device in the
  // context is E_NOT_REGULAR, not a hang), the same text, so the same lines and columns
  const source = await readDockerfile({ context, dockerfile: req.dockerfile, dockerfileText: req.text });
  const { file: path, text } = source;
  // the code frame shows the text checked (a -f FIFO cannot be read a second time)
  registerSource(path, text);
  const ignore = await findIgnoreFile(context, req.text === undefined ? path : undefined);
  const ignorePatterns = ignore ? readIgnoreLines(ignore.text) : undefined;
  let result;
  try {
    const baseEnv = await storeEnvs(text, path, req);
    const host = hostPlatform();
    const check = req.buildArgs?.BUILDKIT_DOCKERFILE_CHECK;
    result = lint(text, { file: path, ignorePatterns, buildArgs: req.buildArgs, builtins: platformArgs(host, host), ...(check !== undefined ? { check } : {}), ...(baseEnv ? { baseEnv } : {}) });
  } catch (err) {
    return renderError(err, process.stderr, { debug: req.debug });
  }
  if (req.json) {
    process.stdout.write(`${JSON.stringify({ warnings: result.warnings }, null, 2)}\n`);
    return result.warnings.length ? 1 : 0;
  }
  for (const w of result.warnings) process.stderr.write(formatWarning(w));
  if (result.warnings.length === 0) process.stderr.write('Check complete, no warnings found.\n');
  else process.stderr.write(`Check complete, ${result.warnings.length} warning${result.warnings.length === 1 ? ' has' : 's have'} been found!\n`);
  return result.warnings.length ? 1 : 0;
}

/**
 * Base images' Env from the store, when there is one (--root, $TSBUILD_ROOT, or the default store
 * if it exists): UndefinedVar then knows what `FROM node` defines. No store: images are taken to
 * define PATH only. Nothing is created or pulled.
 */
async function storeEnvs(text: string, file: string, req: CheckRequest): Promise<((image: string) => readonly string[] | undefined) | undefined> {
  const { defaultRoot, openStore } = await import('@tsbuild/layerstore');
  const root = req.root ?? process.env.TSBUILD_ROOT ?? defaultRoot();
  if (!existsSync(join(root, 'index.json'))) return undefined;
  const refs = new Set<string>();
  for (const w of lint(text, { file, buildArgs: req.buildArgs, baseEnv: (image) => (refs.add(image), []) }).warnings) void w;
  const store = await openStore(root);
  try {
    const envs = new Map<string, readonly string[]>();
    for (const ref of refs) {
      const img = await store.getImage(ref).catch(() => undefined);
      if (img) envs.set(ref, img.config.config?.Env ?? []);
    }
    // an image the store lacks is unknown: UndefinedVar does not guess for its stage
    return (image) => envs.get(image);
  } finally {
    await store.close();
  }
}

/** As `docker build --check` prints one: rule and its page, the message, where, the code frame. */
export function formatWarning(w: LintWarning): string {
  const { line, column } = w.range.start;
  return `WARNING: ${w.rule} - ${w.url}\n${w.message}\n${w.file}:${line}:${column}\n${codeFrame(w.file, line, w.range.end.line, column)}\n`;
}
