/**
 * tsbuild [build] [OPTIONS] CONTEXT — parse flags into BuildOptions, call build(), render events.
 * Exit codes: 0 built, 1 build failed, 2 usage error, 130 cancelled (Ctrl-C).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { UsageError, renderError } from '../errors.js';
import type { BuildOptions, OutputSpec, SecretSpec } from '../../types.js';
import type { ProgressMode } from '../render/index.js';
import { parseCacheSpec } from '../../cache-io/parseCacheSpec.js';
import { extractWorkersFromEnv } from '../env.js';
import { noteActivity } from '../pending.js';
import { isEntitlement } from '../../solve/entitlements.js';

export const HELP = `Usage: tsbuild build [OPTIONS] CONTEXT

Build an image from a Dockerfile.

Options:
  -t, --tag NAME[:TAG]        name the image (repeatable)
  -f, --file FILE             Dockerfile (default CONTEXT/Dockerfile; '-' reads stdin)
      --build-arg K[=V]       build argument; without =V the value comes from the environment
      --target STAGE          build this stage
      --no-cache              do not use the build cache
      --no-cache-filter STAGE do not use the cache for this stage (repeatable)
      --cache-to type=local,dest=DIR[,mode=min|max]  export the build cache
      --cache-from type=local,src=DIR                import a build cache
      --pull                  accepted for compatibility (base images come from the store)
      --network default|none|host  network for RUN (default: isolated, outbound NAT; host needs --allow network.host)
      --allow ENTITLEMENT     network.host | security.insecure (RUN --network=host / --security=insecure; repeatable)
      --secret id=X,src=F|env=V  secret for RUN --mount=type=secret
      --label K=V             label on the image (repeatable)
      --platform P            target platform (the host platform only)
      --progress MODE         auto|plain|tty|quiet|rawjson (default auto)
  -o, --output type=T[,dest=D] image|oci|docker|local|tar (repeatable)
      --iidfile FILE          write the image digest to FILE
      --metadata-file FILE    write build metadata (JSON) to FILE
      --root DIR              store root
      --jobs N                stages built concurrently (default: CPU count)
      --runtime R             auto|unshare|runc|crun (auto: unshare, else crun/runc)
  -q, --quiet                 print only the image digest
      --rewrite-timestamp     clamp file mtimes in new layers to SOURCE_DATE_EPOCH
`;

export interface ParsedBuild {
  options: BuildOptions;
  progress: ProgressMode;
  iidfile?: string;
  metadataFile?: string;
  quiet: boolean;
  dockerfileFromStdin: boolean;
}

const VALUE_FLAGS = new Set(['--cache-to', '--cache-from', '-t', '--tag', '-f', '--file', '--build-arg', '--target', '--no-cache-filter', '--network', '--secret', '--label', '--platform', '--progress', '-o', '--output', '--iidfile', '--metadata-file', '--root', '--jobs', '--runtime', '--allow']);
const BOOL_FLAGS = new Set(['--no-cache', '--pull', '-q', '--quiet', '--rewrite-timestamp']);

export function parseBuildFlags(argv: string[], env: Record<string, string | undefined>): ParsedBuild {
  const options: BuildOptions = { context: '' };
  const tags: string[] = [];
  const buildArgs: Record<string, string> = {};
  const labels: Record<string, string> = {};
  const outputs: OutputSpec[] = [];
  const secrets: SecretSpec[] = [];
  const noCacheFilter: string[] = [];
  let progress: ProgressMode = 'auto';
  let iidfile: string | undefined;
  let metadataFile: string | undefined;
  let quiet = false;
  let dockerfileFromStdin = false;
  const positional: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i]!;
    let value: string | undefined;
    if (flag === '--') { positional.push(...argv.slice(i + 1)); break; }
    if (flag.startsWith('--') && flag.includes('=')) {
      value = flag.slice(flag.indexOf('=') + 1);
      flag = flag.slice(0, flag.indexOf('='));
    } else if (/^-[tfo].+/.test(flag)) {
      value = flag.slice(2);
      flag = flag.slice(0, 2);
    }
    if (!flag.startsWith('-') || flag === '-') { positional.push(flag); continue; }
    if (BOOL_FLAGS.has(flag)) {
      if (value !== undefined && flag !== '--no-cache') throw new UsageError(`flag ${flag} takes no value`);
      if (flag === '--no-cache') options.noCache = value === undefined || value === 'true';
      else if (flag === '-q' || flag === '--quiet') quiet = true;
      else if (flag === '--rewrite-timestamp') options.rewriteTimestamp = true;
      continue;
    }
    if (!VALUE_FLAGS.has(flag)) throw new UsageError(`unknown flag: ${flag}`);
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: ${flag}`);
      value = argv[++i]!;
    }
    switch (flag) {
      case '-t': case '--tag':
        if (!/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(value)) throw new UsageError(`invalid tag ${JSON.stringify(value)}`);
        tags.push(value);
        break;
      case '-f': case '--file':
        if (value === '-') dockerfileFromStdin = true;
        else options.dockerfile = value;
        break;
      case '--build-arg': {
        const eq = value.indexOf('=');
        if (eq === 0) throw new UsageError(`invalid build arg ${JSON.stringify(value)}`);
        if (eq < 0) {
          const v = env[value];
          if (v !== undefined) buildArgs[value] = v;
        } else buildArgs[value.slice(0, eq)] = value.slice(eq + 1);
        break;
      }
      case '--target': options.target = value; break;
      case '--cache-to': (options.cacheTo ??= []).push(parseCacheSpec(value, 'to')); break;
      case '--cache-from': (options.cacheFrom ??= []).push(parseCacheSpec(value, 'from')); break;
      case '--no-cache-filter': noCacheFilter.push(...value.split(',').filter(Boolean)); break;
      case '--network':
        if (value !== 'default' && value !== 'none' && value !== 'host') throw new UsageError(`unsupported network mode ${JSON.stringify(value)} (default|none|host)`);
        options.network = value;
        break;
      case '--allow':
        for (const e of value.split(',').filter(Boolean)) {
          if (!isEntitlement(e)) throw new UsageError(`invalid entitlement ${JSON.stringify(e)} (network.host|security.insecure)`);
          if (!(options.allow ??= []).includes(e)) options.allow.push(e);
        }
        break;
      case '--secret': secrets.push(parseSecret(value)); break;
      case '--label': {
        const eq = value.indexOf('=');
        labels[eq < 0 ? value : value.slice(0, eq)] = eq < 0 ? '' : value.slice(eq + 1);
        break;
      }
      case '--platform': options.platform = value; break;
      case '--progress':
        if (!['auto', 'plain', 'tty', 'quiet', 'rawjson'].includes(value)) throw new UsageError(`invalid progress mode ${JSON.stringify(value)}`);
        progress = value as ProgressMode;
        break;
      case '-o': case '--output': outputs.push(parseOutput(value)); break;
      case '--iidfile': iidfile = value; break;
      case '--metadata-file': metadataFile = value; break;
      case '--root': options.root = value; break;
      case '--jobs': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`--jobs needs a positive integer, got ${JSON.stringify(value)}`);
        options.jobs = n;
        break;
      }
      case '--runtime':
        if (!['auto', 'unshare', 'runc', 'crun'].includes(value)) throw new UsageError(`unknown runtime ${JSON.stringify(value)} (auto|unshare|runc|crun)`);
        options.runtime = value as BuildOptions['runtime'];
        break;
    }
  }
  if (positional.length !== 1) throw new UsageError(positional.length === 0 ? '"build" requires exactly 1 argument (the build context)' : `"build" requires exactly 1 argument, got ${positional.length}: ${positional.join(' ')}`);
  options.context = positional[0]!;
  if (tags.length) options.tags = tags;
  if (Object.keys(buildArgs).length) options.buildArgs = buildArgs;
  if (Object.keys(labels).length) options.labels = labels;
  if (outputs.length) options.outputs = outputs;
  if (secrets.length) options.secrets = secrets;
  if (noCacheFilter.length && options.noCache !== true) options.noCache = noCacheFilter;
  const sde = env.SOURCE_DATE_EPOCH;
  if (sde !== undefined && sde !== '') {
    if (!/^\d+$/.test(sde)) throw new UsageError(`invalid SOURCE_DATE_EPOCH ${JSON.stringify(sde)}`);
    options.sourceDateEpoch = Number(sde);
  }
  options.env = env;
  const workers = extractWorkersFromEnv(env);
  if (workers !== undefined) options.extractWorkers = workers;
  if (quiet) progress = 'quiet';
  return { options, progress, iidfile, metadataFile, quiet, dockerfileFromStdin };
}

function csv(value: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    m.set(eq < 0 ? part : part.slice(0, eq), eq < 0 ? '' : part.slice(eq + 1));
  }
  return m;
}

export function parseOutput(value: string): OutputSpec {
  if (!value.includes('=')) return value === '-' ? usage('output to stdout is not supported') : { type: 'local', dest: value };
  const m = csv(value);
  const type = m.get('type') ?? 'local';
  const dest = m.get('dest');
  if (type === 'image' || type === 'registry') {
    if (type === 'registry') usage('-o type=registry is not supported yet');
    return { type: 'image' };
  }
  if (!['oci', 'docker', 'local', 'tar'].includes(type)) usage(`unknown output type ${JSON.stringify(type)} (image|oci|docker|local|tar)`);
  if (!dest) usage(`-o type=${type} needs dest=PATH`);
  return { type: type as 'oci', dest: dest! };
}

export function parseSecret(value: string): SecretSpec {
  const m = csv(value);
  const id = m.get('id');
  if (!id) usage(`--secret needs id=NAME: ${value}`);
  if (m.has('env')) return { id: id!, env: m.get('env')! };
  const src = m.get('src') ?? m.get('source');
  if (src) return { id: id!, src };
  // docker's shorthand: id only → the env var of that name
  return { id: id!, env: id! };
}

function usage(msg: string): never {
  throw new UsageError(msg);
}

/** how long a cancelled build may take to clean up before the process exits anyway */
const CANCEL_GRACE_MS = 10_000;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const parsed = parseBuildFlags(argv, process.env);
  if (parsed.dockerfileFromStdin) parsed.options.dockerfileText = readFileSync(0, 'utf8');
  const { renderer } = await import('../render/index.js');
  const { build } = await import('../../build.js');
  // TSBUILD_SNAPSHOTTER=overlay|copy pins what is otherwise chosen by the kernel (overlayfs usable or not)
  const pinned = process.env.TSBUILD_SNAPSHOTTER;
  if (pinned && pinned !== 'auto') {
    if (pinned === 'copy') parsed.options.snapshotter = new (await import('../../snapshot/copy.js')).CopySnapshotter();
    else if (pinned === 'overlay') parsed.options.snapshotter = new (await import('../../snapshot/overlay.js')).OverlaySnapshotter();
    else throw new UsageError(`TSBUILD_SNAPSHOTTER must be overlay, copy or auto (got ${JSON.stringify(pinned)})`);
  }
  const render = renderer(parsed.progress, process.stderr);
  // what the exit guard names if the build is ever left pending (cli/pending.ts)
  const onEvent: typeof render = (e) => {
    if (e.type === 'step-start') noteActivity(`step ${e.index}/${e.total} ${e.name}`);
    else if (e.type === 'step-done') noteActivity(`after ${e.name}`);
    else if (e.type === 'export') noteActivity(`exporting ${e.output}${e.dest ? ` to ${e.dest}` : ''}`);
    render?.(e);
  };
  const ac = new AbortController();
  let interrupted = 0;
  const onSigint = () => {
    interrupted++;
    if (interrupted > 1) process.exit(130);
    process.stderr.write('\ncancelling build…\n');
    ac.abort(new Error('interrupted'));
    // A cancelled build ends within seconds, whatever it was doing: the abort stops steps, RUN
    // processes and transfers; should some operation not heed it, give up waiting. What is left
    // (mounts, scratch, secret copies) is this process's and removed by the next run (snapshot/reap.ts).
    setTimeout(() => {
      process.stderr.write(`tsbuild: cancellation did not finish within ${CANCEL_GRACE_MS / 1000} s; exiting (the next run on the store removes what is left)\n`);
      process.exit(130);
    }, CANCEL_GRACE_MS).unref();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const result = await build({ ...parsed.options, signal: ac.signal, onEvent });
    if (parsed.iidfile) writeFileSync(parsed.iidfile, result.imageDigest);
    if (parsed.metadataFile) {
      const meta = {
        'containerimage.digest': result.imageDigest,
        'containerimage.config.digest': result.configDigest,
        ...(parsed.options.tags?.length ? { 'image.name': parsed.options.tags.join(',') } : {}),
        contextBytesRead: result.contextBytesRead ?? 0,
        steps: result.steps.map((s) => ({ name: s.name, cached: s.cached, ...(s.missReason ? { missReason: s.missReason } : {}), cacheKey: s.cacheKey, durationMs: s.durationMs, layer: s.layer })),
      };
      writeFileSync(parsed.metadataFile, `${JSON.stringify(meta, null, 2)}\n`);
    }
    if (parsed.quiet) process.stdout.write(`${result.imageDigest}\n`);
    else if (parsed.progress !== 'rawjson' && parsed.progress !== 'quiet') process.stderr.write(`\nwriting image ${result.imageDigest} done${parsed.options.tags?.length ? `\nnaming to ${parsed.options.tags.join(', ')} done` : ''}\n`);
    return 0;
  } catch (err) {
    if (ac.signal.aborted) {
      renderError(err);
      return 130;
    }
    const code = renderError(err);
    const data = (err as { data?: { output?: string[] } }).data;
    if (data?.output?.length && parsed.progress === 'quiet') process.stderr.write(`${data.output.join('\n')}\n`);
    return code;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}
